#!/usr/bin/env bash
# Sanity check of the release configuration, run in CI (make release-check).
#
# `goreleaser check` is the real check, but goreleaser cannot be installed
# through the Go module proxy within reason here: v2.18 needs Go 1.27, v2.17
# depends on a module the proxy refuses (go.digitalxero.dev/go-msix, 403), and
# v2.15.1 takes about ten minutes to compile on two cores. So this script
# parses .goreleaser.yml and terraform-registry-manifest.json with Terraform's
# own yamldecode/jsondecode (strict parsers; terraform is on PATH anyway) and
# checks what the Terraform Registry relies on. When a goreleaser binary is on
# PATH, `goreleaser check` runs as well.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"

work="$(mktemp -d "${TMPDIR:-/tmp}/molecule-release-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/check.tf" <<'TF'
variable "repo" {
  type = string
}

locals {
  gr       = yamldecode(file("${var.repo}/.goreleaser.yml"))
  manifest = jsondecode(file("${var.repo}/terraform-registry-manifest.json"))
  build    = local.gr.builds[0]

  checks = [
    { ok = local.gr.version == 2, msg = ".goreleaser.yml: version must be 2" },
    { ok = length(local.gr.builds) == 1, msg = ".goreleaser.yml: exactly one build expected" },
    { ok = contains(local.build.env, "CGO_ENABLED=0"), msg = "builds[0].env must set CGO_ENABLED=0 (static binaries)" },
    { ok = length(setsubtract(["linux", "darwin", "windows", "freebsd"], local.build.goos)) == 0, msg = "builds[0].goos must include linux, darwin, windows, freebsd" },
    { ok = length(setsubtract(["amd64", "arm64", "arm", "386"], local.build.goarch)) == 0, msg = "builds[0].goarch must include amd64, arm64, arm, 386" },
    { ok = local.build.binary == "{{ .ProjectName }}_v{{ .Version }}", msg = "builds[0].binary must be {{ .ProjectName }}_v{{ .Version }} (the registry's naming)" },
    { ok = length([for f in local.build.ldflags : f if strcontains(f, "-X main.version={{ .Version }}")]) == 1, msg = "builds[0].ldflags must set main.version" },
    { ok = local.gr.archives[0].formats == ["zip"], msg = "archives must be zip" },
    { ok = local.gr.archives[0].name_template == "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}", msg = "archives[0].name_template must be {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" },
    { ok = local.gr.checksum.algorithm == "sha256", msg = "checksum.algorithm must be sha256" },
    { ok = local.gr.checksum.name_template == "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS", msg = "checksum.name_template must be {{ .ProjectName }}_{{ .Version }}_SHA256SUMS" },
    { ok = local.gr.checksum.extra_files[0].glob == "terraform-registry-manifest.json", msg = "checksum.extra_files must include terraform-registry-manifest.json" },
    { ok = local.gr.release.extra_files[0].glob == "terraform-registry-manifest.json", msg = "release.extra_files must include terraform-registry-manifest.json" },
    { ok = local.gr.signs[0].artifacts == "checksum", msg = "signs[0] must sign the checksum file" },
    { ok = local.manifest.version == 1, msg = "terraform-registry-manifest.json: version must be 1" },
    { ok = local.manifest.metadata.protocol_versions == ["6.0"], msg = "terraform-registry-manifest.json: protocol_versions must be [\"6.0\"] (the provider serves protocol 6)" },
  ]
  failures = [for c in local.checks : c.msg if !c.ok]
}
TF

log() { echo "check-release-config: $*" >&2; }

out="$(cd "$work" && TF_CLI_CONFIG_FILE=/dev/null terraform console -var "repo=$REPO" <<<'join("\n", local.failures)' 2>&1)" || {
  echo "$out" >&2
  log "could not parse the release configuration"
  exit 1
}
out="$(sed -e 's/^<<EOT$//' -e 's/^EOT$//' -e 's/^"\(.*\)"$/\1/' <<<"$out" | sed '/^$/d')"
if [ -n "$out" ]; then
  echo "$out" >&2
  log "release configuration check failed"
  exit 1
fi
grep -q '^var version = ' main.go || { log "main.go has no 'var version' for the ldflags to set"; exit 1; }

if command -v goreleaser >/dev/null 2>&1; then
  goreleaser check
fi
log ".goreleaser.yml and terraform-registry-manifest.json pass"

#!/usr/bin/env bash
# Sanity check of the release configuration, run in CI (make release-check).
#
#   scripts/check-release-config.sh
#       the whole check (CI): .goreleaser.yml, terraform-registry-manifest.json,
#       and the provider's default config init image against the next release
#       (the first "## X.Y.Z" heading of CHANGELOG.md)
#   scripts/check-release-config.sh --default-image-major N
#       only: kubernetes.DefaultConfigInitImage's tag is vN (goreleaser's before
#       hook runs this with {{ .Major }}; needs go, not terraform)
#
# `goreleaser check` is the real check, but goreleaser cannot be installed
# through the Go module proxy within reason here: v2.18 needs Go 1.27, v2.17
# depends on a module the proxy refuses (go.digitalxero.dev/go-msix, 403), and
# v2.15.1 takes about ten minutes to compile on two cores. So this script
# parses .goreleaser.yml and terraform-registry-manifest.json with Terraform's
# own yamldecode/jsondecode (strict parsers; terraform is on PATH anyway) and
# checks what the Terraform Registry and the Kubernetes backend rely on. When a
# goreleaser binary is on PATH, `goreleaser check` runs as well.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"
REPO="$PWD"

log() { echo "check-release-config: $*" >&2; }

# The provider's default init image, read from its one source, the Go
# constant (go doc parses the package, nothing is compiled).
default_image="$(go doc -short ./internal/kubernetes DefaultConfigInitImage |
  sed -n 's/^const DefaultConfigInitImage = "\(.*\)"$/\1/p')"
if ! [[ "$default_image" =~ ^(.+):(v[0-9]+)$ ]]; then
  log "kubernetes.DefaultConfigInitImage (internal/kubernetes) must be a string constant REPOSITORY:vN, the major-version tag each release pushes; got '${default_image}'"
  exit 1
fi
default_repo="${BASH_REMATCH[1]}"
default_tag="${BASH_REMATCH[2]}"

# A release vN.x pushes the init image as :vN; a provider whose default names
# another major pulls an image that does not exist yet (or an old one).
check_default_major() { # $1: the major version released, $2: where it comes from
  [ "$default_tag" = "v$1" ] && return 0
  log "kubernetes.DefaultConfigInitImage is $default_image, but $2 is major $1, whose release pushes $default_repo:v$1: change the constant's tag to v$1 (internal/kubernetes), then make docs"
  return 1
}

case "${1:-}" in
  --default-image-major)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || { log "usage: $0 --default-image-major N"; exit 2; }
    check_default_major "$2" "the version being released"
    log "default config init image $default_image matches major $2"
    exit 0 ;;
  "") ;;
  *) log "usage: $0 [--default-image-major N]"; exit 2 ;;
esac

next_major="$(sed -n 's/^## \([0-9][0-9]*\)\.[0-9][0-9]*\.[0-9][0-9]*\( .*\)\{0,1\}$/\1/p' CHANGELOG.md | head -n 1)"
[ -n "$next_major" ] || { log "CHANGELOG.md has no '## X.Y.Z' heading for the next release"; exit 1; }
failed=0
check_default_major "$next_major" "the next release in CHANGELOG.md" || failed=1

work="$(mktemp -d "${TMPDIR:-/tmp}/molecule-release-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/check.tf" <<'TF'
variable "repo" {
  type = string
}

variable "default_repo" {
  type = string
}

locals {
  gr       = yamldecode(file("${var.repo}/.goreleaser.yml"))
  manifest = jsondecode(file("${var.repo}/terraform-registry-manifest.json"))

  # Builds are found by id, never by position.
  build_ids  = [for b in local.gr.builds : try(b.id, "")]
  build      = try([for b in local.gr.builds : b if try(b.id, "") == "provider"][0], {})
  configinit = try([for b in local.gr.builds : b if try(b.id, "") == "configinit"][0], {})
  # The image(s) pushed to the default config_init_image's repository.
  init_images = [for d in try(local.gr.dockers_v2, []) : d if contains(try(d.images, []), var.default_repo)]
  init_image  = try(local.init_images[0], {})

  checks = [
    { ok = local.gr.version == 2, msg = ".goreleaser.yml: version must be 2" },
    { ok = try(join(",", sort(local.build_ids)) == "configinit,provider", false), msg = ".goreleaser.yml: builds must be exactly id provider and id configinit, each with its id set" },

    # The provider: what the Terraform Registry relies on.
    { ok = try(contains(local.build.env, "CGO_ENABLED=0"), false), msg = "build provider: env must set CGO_ENABLED=0 (static binaries)" },
    { ok = try(length(setsubtract(["linux", "darwin", "windows", "freebsd"], local.build.goos)) == 0, false), msg = "build provider: goos must include linux, darwin, windows, freebsd" },
    { ok = try(length(setsubtract(["amd64", "arm64", "arm", "386"], local.build.goarch)) == 0, false), msg = "build provider: goarch must include amd64, arm64, arm, 386" },
    { ok = try(local.build.binary == "{{ .ProjectName }}_v{{ .Version }}", false), msg = "build provider: binary must be {{ .ProjectName }}_v{{ .Version }} (the registry's naming)" },
    { ok = try(length([for f in local.build.ldflags : f if strcontains(f, "-X main.version={{ .Version }}")]) == 1, false), msg = "build provider: ldflags must set main.version" },
    { ok = length(local.gr.archives) > 0 && alltrue([for a in local.gr.archives : try(a.ids, null) == ["provider"]]), msg = "archives: every archive must have ids: [provider] (the init binary ships only as an image, never in the provider's zips)" },
    { ok = try(local.gr.archives[0].formats == ["zip"], false), msg = "archives must be zip" },
    { ok = try(local.gr.archives[0].name_template == "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}", false), msg = "archives[0].name_template must be {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" },
    { ok = local.gr.checksum.algorithm == "sha256", msg = "checksum.algorithm must be sha256" },
    { ok = local.gr.checksum.name_template == "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS", msg = "checksum.name_template must be {{ .ProjectName }}_{{ .Version }}_SHA256SUMS" },
    { ok = local.gr.checksum.extra_files[0].glob == "terraform-registry-manifest.json", msg = "checksum.extra_files must include terraform-registry-manifest.json" },
    { ok = local.gr.release.extra_files[0].glob == "terraform-registry-manifest.json", msg = "release.extra_files must include terraform-registry-manifest.json" },
    { ok = local.gr.signs[0].artifacts == "checksum", msg = "signs[0] must sign the checksum file" },
    { ok = local.manifest.version == 1, msg = "terraform-registry-manifest.json: version must be 1" },
    { ok = local.manifest.metadata.protocol_versions == ["6.0"], msg = "terraform-registry-manifest.json: protocol_versions must be [\"6.0\"] (the provider serves protocol 6)" },

    # The Kubernetes backend's init image (kubernetes.DefaultConfigInitImage).
    { ok = try(local.configinit.main == "./cmd/molecule-configinit", false), msg = "build configinit: main must be ./cmd/molecule-configinit" },
    { ok = try(contains(local.configinit.env, "CGO_ENABLED=0"), false), msg = "build configinit: env must set CGO_ENABLED=0 (the image is FROM scratch: no libc)" },
    { ok = try(local.configinit.goos == ["linux"], false), msg = "build configinit: goos must be [linux]" },
    { ok = try(length(setsubtract(["amd64", "arm64"], local.configinit.goarch)) == 0, false), msg = "build configinit: goarch must include amd64, arm64" },
    { ok = length(local.init_images) == 1, msg = "dockers_v2: exactly one image must push to ${var.default_repo}, the repository of kubernetes.DefaultConfigInitImage" },
    { ok = try(local.init_image.ids == ["configinit"], false), msg = "dockers_v2 (${var.default_repo}): ids must be [configinit]" },
    { ok = try(contains(local.init_image.tags, "v{{ .Major }}"), false), msg = "dockers_v2 (${var.default_repo}): tags must include v{{ .Major }}, the tag of kubernetes.DefaultConfigInitImage" },
    { ok = try(contains(local.init_image.tags, "{{ .Version }}"), false), msg = "dockers_v2 (${var.default_repo}): tags must include {{ .Version }}" },
    { ok = try(length(setsubtract(["linux/amd64", "linux/arm64"], local.init_image.platforms)) == 0, false), msg = "dockers_v2 (${var.default_repo}): platforms must include linux/amd64, linux/arm64" },
    { ok = try(strcontains(file("${var.repo}/${local.init_image.dockerfile}"), "COPY $TARGETPLATFORM/${local.configinit.binary} "), false), msg = "dockers_v2 (${var.default_repo}): dockerfile must exist and COPY $TARGETPLATFORM/<build configinit's binary>" },
    { ok = try(contains(local.gr.before.hooks, "scripts/check-release-config.sh --default-image-major {{ .Major }}"), false), msg = "before.hooks must run scripts/check-release-config.sh --default-image-major {{ .Major }} (the release's own major against the provider's default)" },
  ]
  failures = [for c in local.checks : c.msg if !c.ok]
}
TF

out="$(cd "$work" && TF_CLI_CONFIG_FILE=/dev/null terraform console -var "repo=$REPO" -var "default_repo=$default_repo" \
  <<<'join("\n", local.failures)' 2>&1)" || {
  echo "$out" >&2
  log "could not parse the release configuration"
  exit 1
}
out="$(sed -e 's/^<<EOT$//' -e 's/^EOT$//' -e 's/^"\(.*\)"$/\1/' <<<"$out" | sed '/^$/d')"
if [ -n "$out" ]; then
  echo "$out" >&2
  failed=1
fi
grep -q '^var version = ' main.go || { log "main.go has no 'var version' for the ldflags to set"; failed=1; }
if [ "$failed" != 0 ]; then
  log "release configuration check failed"
  exit 1
fi

if command -v goreleaser >/dev/null 2>&1; then
  goreleaser check
fi
log ".goreleaser.yml, terraform-registry-manifest.json and the default config init image ($default_image) pass"

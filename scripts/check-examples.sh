#!/usr/bin/env bash
# Checks every example under examples/: `terraform fmt -check`, then
# `terraform validate` against the provider built from this tree.
#
# No registry is needed: the provider is installed through dev_overrides, with
# which `terraform validate` runs without `terraform init` (the examples use
# no other provider and no module). Snippet directories without a
# required_providers block (the docs' resource examples) get one in a scratch
# copy; nothing is written under examples/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

log() { echo "check-examples: $*" >&2; }

command -v terraform >/dev/null || { log "terraform not found on PATH"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/molecule-check-examples.XXXXXX")"
trap 'rm -rf "$work"' EXIT

go build -o "$work/bin/terraform-provider-molecule" .
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "molecule-ai/molecule" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

failed=0
if ! terraform fmt -check -recursive -diff examples/; then
  log "terraform fmt: the files above need 'terraform fmt -recursive examples/'"
  failed=1
fi

count=0
while IFS= read -r dir; do
  count=$((count + 1))
  scratch="$work/dirs/$count"
  mkdir -p "$scratch"
  cp -R "$dir"/. "$scratch"/
  if ! grep -qs 'required_providers' "$scratch"/*.tf; then
    cat >"$scratch/zz_check_providers.tf" <<'TF'
terraform {
  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}
TF
  fi
  if out="$(cd "$scratch" && terraform validate -no-color 2>&1)"; then
    log "ok   $dir"
  else
    log "FAIL $dir"
    # Skip the dev_overrides warning; print from the first error on.
    echo "$out" | sed -n '/Error/,$p' >&2
    failed=1
  fi
done < <(find examples -name '*.tf' -printf '%h\n' | sort -u)

[ "$count" -gt 0 ] || { log "no example directories found"; exit 1; }
if [ "$failed" != 0 ]; then
  log "examples check failed"
  exit 1
fi
log "$count example directories pass fmt and validate"

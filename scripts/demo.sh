#!/usr/bin/env bash
# The demo: a small fleet of agents, end to end, on this machine.
#
#   scripts/demo.sh          (or: make demo) apply, show, destroy
#   scripts/demo.sh --keep   leave the fleet running and print how to destroy it
#
# It starts a Docker engine when none answers (scripts/ensure-docker.sh),
# builds the stand-in agent images (scripts/build-test-images.sh), starts the
# local test registry (scripts/ensure-registry.sh: docker-registry on
# 127.0.0.1 with TLS and a login, holding the stand-ins under the platform's
# names <registry>/molecule-ai/workspace-template-<runtime>:latest) and builds
# the provider. Then it applies examples/fleet (three agents of mixed runtimes
# and tiers from examples/fleet/agents.yaml) through a dev_overrides CLI
# config (no `terraform init`) the way an operator would: the default image
# names with image_registry pointed at the local registry, its login in
# registry_auth, and the provider pulling the images the engine lacks. It
# prints each agent's image, digest and URL, fetches one agent card, and
# destroys everything it made (also when a step fails), removing the pulled
# image names again, unless --keep is given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
export PATH="/usr/local/go/bin:$PATH"

KEEP=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

command -v terraform >/dev/null || die "terraform is not on PATH"
command -v curl >/dev/null || die "curl is not on PATH"

say "Docker engine"
DOCKER_HOST="$(scripts/ensure-docker.sh)"
export DOCKER_HOST
echo "using $DOCKER_HOST"

say "Stand-in agent images"
scripts/build-test-images.sh >/dev/null

say "Local registry (the platform's image names, TLS, a login)"
REGISTRY="$(scripts/ensure-registry.sh)"
# shellcheck disable=SC1091
REGISTRY_PASSWORD="$(. "${MOLECULE_TEST_REGISTRY_DIR:-/var/lib/molecule-test-registry}/registry.env" && echo "$REGISTRY_PASSWORD")"
REGISTRY_USER=molecule
echo "using $REGISTRY/molecule-ai (image_registry)"

work="$(mktemp -d "${TMPDIR:-/tmp}/molecule-demo.XXXXXX")"
say "Building the provider into $work/bin"
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

# A copy of the example, so no state or lock file lands in the repository.
mkdir -p "$work/fleet"
cp examples/fleet/*.tf examples/fleet/agents.yaml "$work/fleet/"
# The registry login goes into a file of the demo's own (mode 0600); the
# variable is sensitive, so terraform never prints it.
(umask 077; cat >"$work/fleet/demo.auto.tfvars.json" <<JSON
{
  "network": "molecule-demo-net",
  "image_registry": "$REGISTRY/molecule-ai",
  "registry_auth": [{ "address": "$REGISTRY", "username": "$REGISTRY_USER", "password": "$REGISTRY_PASSWORD" }]
}
JSON
)
# Images the fleet uses, so that the demo can show the pull and undo it.
demo_images() {
  grep -o 'runtime: *[a-z-]*' examples/fleet/agents.yaml | awk '{print $2}' | sort -u |
    sed "s|^|$REGISTRY/molecule-ai/workspace-template-|; s|\$|:latest|"
}
for img in $(demo_images); do docker rmi "$img" >/dev/null 2>&1 || true; done

tf() { terraform -chdir="$work/fleet" "$@"; }

destroy() {
  say "Destroying the fleet"
  tf destroy -auto-approve -no-color >"$work/destroy.log" 2>&1 || {
    cat "$work/destroy.log" >&2
    die "destroy failed; state and config are in $work/fleet (TF_CLI_CONFIG_FILE=$work/terraformrc)"
  }
  tail -n 1 "$work/destroy.log"
  for img in $(demo_images); do docker rmi "$img" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
on_exit() {
  local rc=$?
  if [ "$KEEP" = 0 ] && [ -f "$work/fleet/terraform.tfstate" ]; then
    destroy || rc=1
  fi
  exit "$rc"
}
trap on_exit EXIT

say "terraform apply examples/fleet (agents from examples/fleet/agents.yaml; the provider pulls their images)"
TF_LOG=INFO TF_LOG_PATH="$work/apply.log" tf apply -auto-approve -no-color | grep -E '^(molecule_|Apply complete|Error|Warning)' || true
[ "${PIPESTATUS[0]}" = 0 ] || die "apply failed (see above)"
say "Pulls (from the provider's INFO log)"
grep 'image pulled' "$work/apply.log" | while read -r line; do
  for key in image layers bytes_total digest elapsed; do
    grep -oE "[[:space:]]$key=[^[:space:]]+" <<<"$line" | head -n 1 | tr -d '\n'
  done
  echo
done
grep -q 'image pulled' "$work/apply.log" || echo "(no pull: the engine had the images already)"
if grep -q "$REGISTRY_PASSWORD" "$work/apply.log"; then die "the registry password appears in the provider log"; fi

say "Images and digests"
tf output -json agents | tr -d '\n' | grep -oE '"digest":"[^"]*","image":"[^"]*"' | sed -E 's/"digest":"([^"]*)","image":"([^"]*)"/\2  \1/' || true

say "The agents (name, runtime, tier, status, host URL, URL on the fleet network)"
summary="$(tf output -raw summary)"
echo "$summary"

first_url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' <<<"$summary" | head -n 1)"
[ -n "$first_url" ] || die "no host URL in the outputs"
say "GET $first_url/.well-known/agent-card.json"
curl -fsS --max-time 5 "$first_url/.well-known/agent-card.json" || die "no agent card at $first_url"
echo

if [ "$KEEP" = 1 ]; then
  say "Left running. To destroy:"
  echo "  TF_CLI_CONFIG_FILE=$work/terraformrc terraform -chdir=$work/fleet destroy -auto-approve && rm -rf $work"
else
  echo
  echo "(scripts/demo.sh --keep leaves the fleet running)"
fi
cd "$REPO"

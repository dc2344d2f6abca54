#!/usr/bin/env bash
# Builds molecule-configinit:test, the FROM scratch image of
# cmd/molecule-configinit (puts config files into a /configs volume from
# an init container, no shell needed), in the Docker engine the docker CLI
# talks to, and prints its tag. The Kubernetes smoke test runs it; load it into
# the test cluster with scripts/ensure-kubernetes.sh --load-image.
#
# Built like the released image (.goreleaser.yml, dockers_v2): the same
# cmd/molecule-configinit/Dockerfile and go build flags, the binary at
# linux/<arch>/configinit in the build context, for the engine's architecture.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

TAG="${CONFIGINIT_IMAGE:-molecule-configinit:test}"
log() { echo "build-config-init-image: $*" >&2; }

ctx="$(mktemp -d "${TMPDIR:-/tmp}/molecule-configinit.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
arch="$(docker version --format '{{.Server.Arch}}')"
platform="linux/$arch"
mkdir -p "$ctx/$platform"
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags='-s -w' \
  -o "$ctx/$platform/configinit" ./cmd/molecule-configinit
cp cmd/molecule-configinit/Dockerfile "$ctx/Dockerfile"
hash="$(cat "$ctx/$platform/configinit" "$ctx/Dockerfile" | sha256sum | cut -c1-32)"
have="$(docker image inspect --format '{{index .Config.Labels "ai.molecule.terraform.configinit-hash"}}' \
  "$TAG" 2>/dev/null || true)"
if [ "$have" = "$hash" ]; then
  log "up to date (${hash:0:12})"
else
  docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
  # TARGETPLATFORM is set by BuildKit itself; the classic builder needs it given.
  if ! out="$(docker build --quiet --build-arg "TARGETPLATFORM=$platform" --label ai.molecule.terraform.test-image=true \
    --label "ai.molecule.terraform.configinit-hash=$hash" --tag "$TAG" "$ctx" 2>&1)"; then
    echo "$out" >&2
    log "error: docker build failed"
    exit 1
  fi
  log "built ${hash:0:12}"
fi
echo "$TAG"

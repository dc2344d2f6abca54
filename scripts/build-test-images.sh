#!/usr/bin/env bash
# Builds the stand-in workspace runtime image used by the acceptance tests and
# tags it once per runtime: ${STANDIN_TAG_PREFIX:-molecule-tf-standin}:<runtime>.
# Then the variants, images as they are in the wild, built FROM that image
# and tagged ${STANDIN_TAG_PREFIX:-molecule-tf-standin}-variant:<name>:
#   volumes     VOLUME /configs /workspace /data (like the platform's older base)
#   nonroot     USER 1000:1000 (the platform's `agent` uid)
#   entrypoint  ENTRYPOINT ["/entrypoint", "/standin"]: a wrapper that sets up
#               the environment and execs its arguments, as an entrypoint
#               script does (scratch has no shell: tests/standin-variant, a
#               static binary, plays the script)
#   healthcheck HEALTHCHECK running /healthcheck (tests/standin-variant)
#               every second against the agent's /healthz
# The variants carry a hash of their own; building them never touches the
# stand-in's tags.
#
# - Nothing is pulled: the image is FROM scratch around a static Go binary.
# - Talks to whatever engine the docker CLI talks to, so DOCKER_HOST works
#   (e.g. DOCKER_HOST=unix:///var/run/molecule-docker2.sock for the second
#   engine started by scripts/ensure-docker.sh --second).
# - Idempotent and fast: the image carries a hash of its inputs as a label and
#   is not rebuilt while every tag already points at an image with that hash.
#   FORCE=1 rebuilds anyway.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PREFIX="${STANDIN_TAG_PREFIX:-molecule-tf-standin}"
RUNTIMES=(langgraph claude-code openclaw deepagents crewai autogen hermes gemini-cli codex)
VARIANT_PREFIX="$PREFIX-variant"
VARIANT_HASH_LABEL="ai.molecule.terraform.standin-variant-hash"
declare -A VARIANTS=(
  [volumes]='VOLUME ["/configs", "/workspace", "/data"]'
  [nonroot]='USER 1000:1000'
  [entrypoint]=$'COPY variant /entrypoint\nENTRYPOINT ["/entrypoint", "/standin"]'
  [healthcheck]=$'COPY variant /healthcheck\nHEALTHCHECK --interval=1s --timeout=3s --retries=2 CMD ["/healthcheck"]'
)
TEST_LABEL="ai.molecule.terraform.test-image"
HASH_LABEL="ai.molecule.terraform.standin-hash"

log() { echo "build-test-images: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "$PREFIX" in
  workspace-template | */workspace-template | "") die "refusing STANDIN_TAG_PREFIX='$PREFIX'" ;;
esac

GO="$(command -v go || true)"
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "go not found (PATH or /usr/local/go/bin)"
command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 ||
  die "no Docker engine answers at ${DOCKER_HOST:-the default socket}; run scripts/ensure-docker.sh"

# The engine may be on another architecture than this machine only in theory;
# build for the engine's anyway.
case "$(docker info --format '{{.Architecture}}' 2>/dev/null)" in
  aarch64 | arm64) GOARCH_ENGINE=arm64 ;;
  x86_64 | amd64) GOARCH_ENGINE=amd64 ;;
  *) GOARCH_ENGINE="$("$GO" env GOARCH)" ;;
esac

ctx="$(mktemp -d "${TMPDIR:-/tmp}/molecule-standin.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH="$GOARCH_ENGINE" \
  "$GO" build -trimpath -ldflags='-s -w' -o "$ctx/standin" ./tests/standin
cp tests/standin/Dockerfile "$ctx/Dockerfile"
# scratch has no directories; give the image the ones the real runtime has so
# that copying files into them works even without a volume mounted there.
mkdir -p "$ctx/rootfs/configs" "$ctx/rootfs/workspace" "$ctx/rootfs/tmp"
chmod 0755 "$ctx/rootfs" "$ctx/rootfs/configs" "$ctx/rootfs/workspace"
chmod 1777 "$ctx/rootfs/tmp"

hash="$( {
  cat "$ctx/standin" "$ctx/Dockerfile"
  (cd "$ctx" && find rootfs -printf '%p %m\n' | LC_ALL=C sort)
} | sha256sum | cut -c1-32)"

label_of() { docker image inspect --format "{{index .Config.Labels \"$1\"}}" "$2" 2>/dev/null || true; }

# docker.io 20.10 from Debian has no buildx plugin; CLI >= 23 refuses to
# build with BuildKit without it, so use the classic builder then.
if ! docker buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=0
fi

first="$PREFIX:${RUNTIMES[0]}"
up_to_date=1
if [ "${FORCE:-0}" != 1 ]; then
  for rt in "${RUNTIMES[@]}"; do
    have="$(label_of "$HASH_LABEL" "$PREFIX:$rt")"
    if [ "$have" = "$hash" ]; then continue; fi
    if [ "$rt" != "${RUNTIMES[0]}" ] && [ "$(label_of "$HASH_LABEL" "$first")" = "$hash" ]; then
      # A runtime tag added since (or moved): tag the current build, so the
      # image other tags point at is not rebuilt under running tests.
      docker tag "$first" "$PREFIX:$rt"
      continue
    fi
    up_to_date=0
    break
  done
else
  up_to_date=0
fi

if [ "$up_to_date" = 1 ]; then
  log "up to date (${hash:0:12}) at ${DOCKER_HOST:-default engine}"
else
  # The classic builder prints a deprecation notice on stderr; keep it quiet
  # unless the build fails.
  if ! out="$(docker build --quiet --label "$TEST_LABEL=true" --label "$HASH_LABEL=$hash" \
    --tag "$first" "$ctx" 2>&1)"; then
    echo "$out" >&2
    die "docker build failed"
  fi
  for rt in "${RUNTIMES[@]:1}"; do
    docker tag "$first" "$PREFIX:$rt"
  done
  # Drop earlier builds of ours that no tag points at any more.
  docker image prune --force --filter "label=$TEST_LABEL=true" >/dev/null 2>&1 || true
  log "built ${hash:0:12} at ${DOCKER_HOST:-default engine}"
fi

# The variants, on top of whatever the stand-in tag holds now.
CGO_ENABLED=0 GOOS=linux GOARCH="$GOARCH_ENGINE" \
  "$GO" build -trimpath -ldflags='-s -w' -o "$ctx/variant" ./tests/standin-variant
variant_hash="$( {
  echo "$hash"
  cat "$ctx/variant"
  for v in $(printf '%s\n' "${!VARIANTS[@]}" | LC_ALL=C sort); do echo "$v ${VARIANTS[$v]}"; done
} | sha256sum | cut -c1-32)"
built_variants=0
for v in $(printf '%s\n' "${!VARIANTS[@]}" | LC_ALL=C sort); do
  if [ "${FORCE:-0}" != 1 ] && [ "$(label_of "$VARIANT_HASH_LABEL" "$VARIANT_PREFIX:$v")" = "$variant_hash" ]; then
    continue
  fi
  printf 'FROM %s\n%s\n' "$first" "${VARIANTS[$v]}" >"$ctx/Dockerfile.$v"
  if ! out="$(docker build --quiet --label "$TEST_LABEL=true" --label "$VARIANT_HASH_LABEL=$variant_hash" \
    --label "ai.molecule.terraform.standin-variant=$v" \
    --file "$ctx/Dockerfile.$v" --tag "$VARIANT_PREFIX:$v" "$ctx" 2>&1)"; then
    echo "$out" >&2
    die "docker build of variant $v failed"
  fi
  built_variants=$((built_variants + 1))
done
[ "$built_variants" = 0 ] || log "built $built_variants variant(s) ${variant_hash:0:12}"

for rt in "${RUNTIMES[@]}"; do
  echo "$PREFIX:$rt"
done
for v in $(printf '%s\n' "${!VARIANTS[@]}" | LC_ALL=C sort); do
  echo "$VARIANT_PREFIX:$v"
done

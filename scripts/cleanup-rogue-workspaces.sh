#!/usr/bin/env bash
# Lists, and with --remove removes, the test workspaces that interrupted test
# runs or experiments left on a Docker engine: containers and their volumes
# whose workspace id, display name or Docker name starts with a known test
# placeholder prefix.
#
# Usage:
#   scripts/cleanup-rogue-workspaces.sh            dry run: list what matches
#   scripts/cleanup-rogue-workspaces.sh --remove   remove it
#   options:
#     --prefix P   match P instead of the default prefixes (repeatable)
#     -h, --help   this text
#
# Default prefixes: aaaaaaaa- bbbbbbbb- cccccccc- test-ws- tfacc (the
# acceptance tests' ids, internal/acctest.IDPrefix).
#
# Only objects carrying the provider's ownership label
# ai.molecule.terraform.managed=true are ever considered: a container or
# volume without it is never listed or touched, whatever its name. Talks to
# the engine the docker CLI talks to (DOCKER_HOST). Exit status 1 when a
# removal failed.
set -euo pipefail

MANAGED="ai.molecule.terraform.managed"
WORKSPACE_ID="ai.molecule.terraform.workspace-id"
NAME="ai.molecule.terraform.name"
DEFAULT_PREFIXES=(aaaaaaaa- bbbbbbbb- cccccccc- test-ws- tfacc)

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

remove=0
prefixes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --remove) remove=1 ;;
    --prefix)
      if [ $# -lt 2 ] || [ -z "$2" ]; then
        echo "cleanup: --prefix needs a non-empty value" >&2
        exit 2
      fi
      prefixes+=("$2")
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "cleanup: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#prefixes[@]} -gt 0 ] || prefixes=("${DEFAULT_PREFIXES[@]}")

command -v docker >/dev/null || { echo "cleanup: docker CLI not found" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "cleanup: no Docker engine answers at ${DOCKER_HOST:-the default socket}" >&2; exit 2; }

# matches VALUE...: true when one of the values starts with a prefix. Docker
# names are ws-<first 12 characters of the id>, so for them the prefix is
# cut to 12 characters too.
matches() {
  local v p
  for v in "$@"; do
    [ -n "$v" ] || continue
    for p in "${prefixes[@]}"; do
      case "$v" in "$p"*) return 0 ;; esac
    done
  done
  return 1
}
matches_docker_name() {
  local short="${1#ws-}" p
  [ "$short" != "$1" ] || return 1
  for p in "${prefixes[@]}"; do
    case "$short" in "${p:0:12}"*) return 0 ;; esac
  done
  return 1
}

verb="would remove"
[ "$remove" = 1 ] && verb="removing"
failed=0
containers=0
volume_list=()
declare -A seen_volume=()

# Containers first: their volumes cannot be removed while they exist.
while IFS='|' read -r id names wid display mounts; do
  [ -n "$id" ] || continue
  if ! matches "$wid" "$display" && ! matches_docker_name "$names"; then
    continue
  fi
  containers=$((containers + 1))
  echo "container ${names} (${id:0:12}) workspace=${wid:-?} name=${display:-?}: ${verb}"
  # -v: anonymous volumes (an image's VOLUME paths) go with the container.
  if [ "$remove" = 1 ] && ! docker rm -f -v "$id" >/dev/null; then
    echo "  failed to remove container ${names}" >&2
    failed=1
  fi
  # Its volumes, when they carry our label too (checked below).
  IFS=',' read -ra mounted <<<"$mounts"
  for v in "${mounted[@]}"; do
    [ -n "$v" ] && [ -z "${seen_volume[$v]:-}" ] && volume_list+=("$v") && seen_volume[$v]=1
  done
done < <(docker ps -a --no-trunc --filter "label=${MANAGED}=true" \
  --format "{{.ID}}|{{.Names}}|{{.Label \"${WORKSPACE_ID}\"}}|{{.Label \"${NAME}\"}}|{{.Mounts}}")

# Volumes: ours (label checked again for the ones found through mounts) and
# matching, or mounted by a container removed above.
declare -A owned_volume=()
while IFS='|' read -r name wid; do
  [ -n "$name" ] || continue
  owned_volume[$name]="$wid"
  if matches "$wid" || matches_docker_name "$name"; then
    [ -z "${seen_volume[$name]:-}" ] && volume_list+=("$name") && seen_volume[$name]=1
  fi
done < <(docker volume ls --filter "label=${MANAGED}=true" --format "{{.Name}}|{{.Label \"${WORKSPACE_ID}\"}}")

volumes=0
for name in "${volume_list[@]}"; do
  [ -n "${owned_volume[$name]+set}" ] || continue # not ours: never touched
  volumes=$((volumes + 1))
  echo "volume ${name} workspace=${owned_volume[$name]:-?}: ${verb}"
  if [ "$remove" = 1 ] && ! docker volume rm "$name" >/dev/null; then
    echo "  failed to remove volume ${name} (still in use?)" >&2
    failed=1
  fi
done

summary="${containers} container(s) and ${volumes} volume(s) matching ${prefixes[*]}"
if [ "$remove" = 1 ]; then
  echo "cleanup: removed ${summary}"
else
  echo "cleanup: dry run, found ${summary}; run with --remove to remove them"
fi
exit "$failed"

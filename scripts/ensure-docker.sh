#!/usr/bin/env bash
# Makes a Docker engine available and prints its DOCKER_HOST on stdout
# (everything else goes to stderr), so callers can do
#     export DOCKER_HOST="$(scripts/ensure-docker.sh)"
#
# Usage:
#   scripts/ensure-docker.sh                 the main engine (installs docker.io
#                                            and starts dockerd when needed)
#   scripts/ensure-docker.sh --second [--load-images]
#                                            a second, independent engine on
#                                            unix:///var/run/molecule-docker2.sock
#                                            for multi-engine tests; --load-images
#                                            also builds the stand-in test images
#                                            into it (scripts/build-test-images.sh)
#   scripts/ensure-docker.sh --stop-second [--purge]
#                                            stops the second engine and removes its
#                                            bridge; --purge also deletes its data
#
# Safe to run any number of times. Needs root (and Debian's apt) only when an
# engine has to be installed or started. There is no systemd: dockerd is
# started in the background with nohup and logs to /tmp/molecule-dockerd*.log.
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DEFAULT_HOST="unix:///var/run/docker.sock"
DEFAULT_PIDFILE="/var/run/docker.pid"
MAIN_LOG="/tmp/molecule-dockerd.log"

SECOND_SOCK="/var/run/molecule-docker2.sock"
SECOND_HOST="unix://$SECOND_SOCK"
SECOND_DATA="/var/lib/molecule-docker2"
SECOND_EXEC="/var/run/molecule-docker2"
SECOND_PIDFILE="/var/run/molecule-docker2.pid"
SECOND_LOG="/tmp/molecule-dockerd2.log"
# The second engine gets its own pre-made bridge for its default network.
# dockerd 20.10 deletes the interface "docker0" (the main engine's bridge,
# whatever --bridge says) at start-up when run with --bridge=none, and on a
# restart when run with --default-address-pool, so the second engine uses
# neither. Its user-defined networks come from the default pools; each engine
# skips subnets already routed on the host, so they do not overlap.
SECOND_BRIDGE="molecule-br2"
SECOND_BRIDGE_CIDR="10.213.255.1/24"

WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"

log() { echo "ensure-docker: $*" >&2; }
die() { log "error: $*"; exit 1; }

answers() { # answers HOST
  timeout 20 docker -H "$1" info >/dev/null 2>&1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (no engine answers at $2)"
}

pid_alive() { # pid_alive PIDFILE -> prints the pid when a process owns it
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  return 1
}

install_docker() {
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "dockerd is not installed and apt-get is not available"
  log "installing docker.io with apt-get"
  # Keep the package's init script from starting an engine of its own.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  local rc=0
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y -qq docker.io
  } >/tmp/molecule-docker-apt.log 2>&1 || rc=$?
  [ "$made_policy" = 1 ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    tail -n 30 /tmp/molecule-docker-apt.log >&2
    die "apt-get install docker.io failed (log: /tmp/molecule-docker-apt.log)"
  fi
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd not found"
}

# wait_for HOST PID LOG: 0 when the engine answers, 1 when dockerd died,
# 2 on timeout.
wait_for() {
  local host="$1" pid="$2" logf="$3" deadline=$((SECONDS + WAIT_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do
    answers "$host" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.5
  done
  return 2
}

# start_dockerd HOST LOG PIDFILE ARGS... : start dockerd detached and wait.
start_dockerd() {
  local host="$1" logf="$2" pidfile="$3" pid rc=0
  shift 3
  log "starting dockerd $* (log: $logf)"
  echo "=== $(date -u +%FT%TZ) dockerd $*" >>"$logf"
  setsid nohup dockerd "$@" </dev/null >>"$logf" 2>&1 &
  pid=$!
  wait_for "$host" "$pid" "$logf" || rc=$?
  case "$rc" in
    0) return 0 ;;
    1) log "dockerd exited early; last lines of $logf:"; tail -n 15 "$logf" >&2; return 1 ;;
    *) log "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $logf:"
       tail -n 15 "$logf" >&2; return 2 ;;
  esac
}

# clear_stale_pidfile PIDFILE HOST: a pid file left by a dead dockerd stops a
# new one from starting. If a live dockerd owns it, wait for it instead.
# Returns 0 when the engine now answers.
clear_stale_pidfile() {
  local pidfile="$1" host="$2" pid rc=0
  if pid="$(pid_alive "$pidfile")"; then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
    wait_for "$host" "$pid" /dev/null || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 2 ] && die "dockerd pid $pid owns $pidfile but $host does not answer after ${WAIT_SECONDS}s"
  fi
  rm -f "$pidfile"
  return 1
}

ensure_main() {
  local host="${DOCKER_HOST:-$DEFAULT_HOST}"
  if answers "$host"; then
    echo "$host"
    return 0
  fi
  case "$host" in
    "$DEFAULT_HOST" | unix:///run/docker.sock) ;;
    "$SECOND_HOST") ensure_second; return 0 ;;
    *) die "DOCKER_HOST=$host does not answer and is not an engine this script starts" ;;
  esac
  need_root "starting dockerd" "$host"
  install_docker
  if clear_stale_pidfile "$DEFAULT_PIDFILE" "$host"; then
    echo "$host"
    return 0
  fi
  local rc=0
  start_dockerd "$host" "$MAIN_LOG" "$DEFAULT_PIDFILE" || rc=$?
  if [ "$rc" = 1 ] && tail -n 40 "$MAIN_LOG" | grep -qi iptables; then
    log "dockerd failed on iptables; retrying with --iptables=false"
    rm -f "$DEFAULT_PIDFILE"
    rc=0
    start_dockerd "$host" "$MAIN_LOG" "$DEFAULT_PIDFILE" --iptables=false || rc=$?
  fi
  [ "$rc" = 0 ] || die "could not start a Docker engine (see $MAIN_LOG)"
  log "engine ready at $host"
  echo "$host"
}

ensure_second_bridge() {
  if ! ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    ip link add name "$SECOND_BRIDGE" type bridge
  fi
  if ! ip -4 addr show dev "$SECOND_BRIDGE" | grep -q "inet ${SECOND_BRIDGE_CIDR%/*}/"; then
    ip addr add "$SECOND_BRIDGE_CIDR" dev "$SECOND_BRIDGE"
  fi
  ip link set "$SECOND_BRIDGE" up
}

ensure_second() {
  if ! answers "$SECOND_HOST"; then
    need_root "starting the second dockerd" "$SECOND_HOST"
    # The main engine has to be there first (it also installs docker.io).
    DOCKER_HOST="$DEFAULT_HOST" ensure_main >/dev/null
    if ! clear_stale_pidfile "$SECOND_PIDFILE" "$SECOND_HOST"; then
      command -v ip >/dev/null 2>&1 || die "the second engine needs iproute2's ip"
      ensure_second_bridge
      mkdir -p "$SECOND_DATA" "$SECOND_EXEC"
      rm -f "$SECOND_SOCK"
      # Everything that two engines could share is given its own place: socket,
      # data root, exec root (containerd's socket and state live under it),
      # pid file, containerd namespaces and bridge. It leaves iptables alone
      # (the main engine owns the DOCKER chains); published ports still work
      # through docker-proxy.
      start_dockerd "$SECOND_HOST" "$SECOND_LOG" "$SECOND_PIDFILE" \
        --host "$SECOND_HOST" \
        --data-root "$SECOND_DATA" \
        --exec-root "$SECOND_EXEC" \
        --pidfile "$SECOND_PIDFILE" \
        --bridge "$SECOND_BRIDGE" \
        --iptables=false \
        --ip-forward=false \
        --containerd-namespace molecule2 \
        --containerd-plugins-namespace molecule2-plugins ||
        die "could not start the second Docker engine (see $SECOND_LOG)"
      log "second engine ready at $SECOND_HOST"
    fi
  fi
  if [ "$LOAD_IMAGES" = 1 ]; then
    DOCKER_HOST="$SECOND_HOST" "$(dirname "${BASH_SOURCE[0]}")/build-test-images.sh" >&2
  fi
  echo "$SECOND_HOST"
}

stop_second() {
  local pid _
  if pid="$(pid_alive "$SECOND_PIDFILE")"; then
    log "stopping second dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd $pid still running after 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
    fi
  else
    log "second engine is not running"
  fi
  rm -f "$SECOND_PIDFILE" "$SECOND_SOCK"
  if ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    ip link delete "$SECOND_BRIDGE" || true
  fi
  if [ "$PURGE" = 1 ]; then
    if grep -q " $SECOND_DATA/" /proc/mounts || grep -q " $SECOND_EXEC/" /proc/mounts; then
      die "mounts remain under $SECOND_DATA or $SECOND_EXEC; not deleting them"
    fi
    if grep -q " $SECOND_DATA " /proc/mounts; then
      umount "$SECOND_DATA" || die "cannot unmount $SECOND_DATA"
    fi
    rm -rf "$SECOND_DATA" "$SECOND_EXEC"
    log "removed $SECOND_DATA and $SECOND_EXEC"
  fi
}

MODE=main
LOAD_IMAGES=0
PURGE=0
for arg in "$@"; do
  case "$arg" in
    --second) MODE=second ;;
    --stop-second) MODE=stop-second ;;
    --load-images) LOAD_IMAGES=1 ;;
    --purge) PURGE=1 ;;
    -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

command -v docker >/dev/null 2>&1 || {
  need_root "installing Docker" "${DOCKER_HOST:-$DEFAULT_HOST}"
  install_docker
  command -v docker >/dev/null 2>&1 || die "docker CLI not found after installing docker.io"
}

case "$MODE" in
  main) ensure_main ;;
  second) ensure_second ;;
  stop-second) stop_second ;;
esac

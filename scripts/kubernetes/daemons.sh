# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# starting, finding and stopping the cluster's processes by pid file.

# pid_of NAME: prints the pid recorded in $RUN/NAME.pid when that process is
# still alive and is one of ours (its command line names our binary or config).
pid_of() {
  local f="$RUN/$1.pid" pid
  [ -s "$f" ] || return 1
  pid="$(cat "$f" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "molecule-k8s" || return 1
  echo "$pid"
}

# start_daemon NAME BINARY ARGS...: runs it detached, logging to $LOGS/NAME.log.
start_daemon() {
  local name="$1"
  shift
  echo "=== $(date -u +%FT%TZ) $*" >>"$LOGS/$name.log"
  # Not the lock descriptors (8, 9): a daemon holding them would block every
  # later run of this script.
  setsid nohup "$@" </dev/null >>"$LOGS/$name.log" 2>&1 8>&- 9>&- &
  echo "$!" >"$RUN/$name.pid"
}

# wait_until NAME SECONDS COMMAND...: retries COMMAND until it succeeds; fails
# early, with the daemon's last log lines, when daemon NAME died.
wait_until() {
  local name="$1" secs="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! pid_of "$name" >/dev/null; then
      log "$name exited; last lines of $LOGS/$name.log:"
      tail -n 25 "$LOGS/$name.log" >&2
      die "$name failed to start"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name not ready after ${secs}s; last lines of $LOGS/$name.log:"
      tail -n 25 "$LOGS/$name.log" >&2
      die "$name did not become ready"
    fi
    sleep 0.25
  done
}

# stop_daemon NAME [GRACE_SECONDS]: TERM, then KILL after the grace period.
stop_daemon() {
  local name="$1" grace="${2:-15}" pid i t
  t="$(now)"
  if pid="$(pid_of "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 4; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) still running after ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    log "stopped $name (pid $pid) in $(since "$t") s"
  fi
  rm -f "$RUN/$name.pid"
}

kubectl_admin() {
  "$BIN/kubectl" --kubeconfig "$KUBECONFIG_OUT" --request-timeout=10s "$@"
}

# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# the Debian packages the node needs.

# Debian packages the node needs; installed with apt-get only when missing.
install_packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v ctr >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x "$CNI_BIN_DIR/bridge" ] && [ -x "$CNI_BIN_DIR/host-local" ] && [ -x "$CNI_BIN_DIR/loopback" ] ||
    missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v socat >/dev/null || missing+=(socat)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v flock >/dev/null || missing+=(util-linux)
  [ "${#missing[@]}" = 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available"
  log "installing ${missing[*]} with apt-get"
  # Keep the packages' init scripts from starting a containerd of their own.
  local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y -qq "${missing[@]}"
  } >"$LOGS/apt.log" 2>&1 || rc=$?
  [ "$made_policy" = 1 ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    tail -n 30 "$LOGS/apt.log" >&2
    die "apt-get install ${missing[*]} failed (log: $LOGS/apt.log)"
  fi
}

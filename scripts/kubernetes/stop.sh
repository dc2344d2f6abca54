# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# tearing the cluster down.

# pids_in_our_cgroups: processes left in the pods' cgroups.
pids_in_our_cgroups() {
  find /sys/fs/cgroup -path "*/$CGROUP_PARENT/*" \( -name cgroup.procs -o -name tasks \) \
    -exec cat {} + 2>/dev/null | sort -un
}

our_shims() {
  local p
  for p in $(pgrep -f containerd-shim 2>/dev/null); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "-address $CTR_SOCK" && echo "$p"
  done
  return 0
}

our_mounts() {
  awk '{print $2}' /proc/mounts | sed 's/\\040/ /g' |
    grep -E "^($STATE|$RUN)(/|$)" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-
}

stop_cluster() {
  local t0 p m
  t0="$(now)"
  # Pods first, while the kubelet can still stop them cleanly.
  if [ -n "${BIN:-}" ] && pid_of kube-apiserver >/dev/null && pid_of kubelet >/dev/null; then
    kubectl_admin cordon "$NODE_NAME" >/dev/null 2>&1 || true
    kubectl_admin delete pods --all --all-namespaces --grace-period=5 --wait=true --timeout=60s \
      >/dev/null 2>&1 || log "some pods did not stop in 60 s; continuing"
    log "pods deleted at $(since "$t0") s"
  fi
  stop_daemon kubelet 20
  # Whatever the kubelet left: kill and delete through our containerd.
  if pid_of containerd >/dev/null; then
    for p in $(ctr -a "$CTR_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$CTR_SOCK" -n k8s.io tasks kill -s SIGKILL "$p" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for p in $(ctr -a "$CTR_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$CTR_SOCK" -n k8s.io tasks delete -f "$p" >/dev/null 2>&1 || true
    done
    for p in $(ctr -a "$CTR_SOCK" -n k8s.io containers ls -q 2>/dev/null); do
      ctr -a "$CTR_SOCK" -n k8s.io containers delete "$p" >/dev/null 2>&1 || true
    done
  fi
  stop_daemon kube-scheduler
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  stop_daemon containerd
  p="$(our_shims)"
  if [ -n "$p" ]; then
    log "killing leftover shims: $(echo $p)"
    kill -KILL $p 2>/dev/null || true
  fi
  p="$(pids_in_our_cgroups)"
  if [ -n "$p" ]; then
    log "killing processes left in $CGROUP_PARENT: $(echo $p)"
    kill -KILL $p 2>/dev/null || true
    sleep 0.5
  fi
  while IFS= read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
  done < <(our_mounts)
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE" || log "cannot delete bridge $BRIDGE"
  fi
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment molecule-k8s -j ACCEPT 2>/dev/null; do :; done
  # Deepest first; a cgroup with processes left would refuse.
  find /sys/fs/cgroup -depth -type d -path "*/$CGROUP_PARENT*" -exec rmdir {} \; 2>/dev/null || true
  if find /sys/fs/cgroup -type d -name "$CGROUP_PARENT" 2>/dev/null | grep -q .; then
    log "some $CGROUP_PARENT cgroups remain"
  fi
  if [ -n "$(our_mounts)" ]; then
    log "mounts remain under $STATE or $RUN; not deleting them:"
    our_mounts >&2
  else
    # Keep the PKI (a restart reuses it); everything else starts afresh.
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name pki -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$RUN"
  fi
  # The hostpath provisioner's claims died with etcd's data.
  rm -rf "$HOSTPATH_PV_DIR"
  # kubelet's links to the pods' logs (always in /var/log/containers).
  find /var/log/containers -maxdepth 1 -lname "$STATE/*" -delete 2>/dev/null || true
  log "stopped in $(since "$t0") s"
}

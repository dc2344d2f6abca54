# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# bridge, cgroup root and the configuration files of containerd, CNI and kubelet.

# The bridge exists before the kubelet starts: --node-ip must be a host address.
ensure_bridge() {
  local other
  other="$(ip -4 route show "$POD_CIDR" | grep -v "dev $BRIDGE" || true)"
  [ -z "$other" ] || die "$POD_CIDR is already routed elsewhere ($other); not touching it"
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add name "$BRIDGE" type bridge
  ip -4 addr show dev "$BRIDGE" | grep -q "inet $NODE_IP/" || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # The host's FORWARD policy is DROP (Docker sets it) and bridged frames go
  # through iptables, so pod-to-pod traffic on our bridge needs this one rule.
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment molecule-k8s -j ACCEPT 2>/dev/null ||
    iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment molecule-k8s -j ACCEPT
}

# kubelet refuses a --cgroup-root that does not exist in every hierarchy.
ensure_cgroup_root() {
  local d
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p "/sys/fs/cgroup/$CGROUP_PARENT"
    return 0
  fi
  for d in /sys/fs/cgroup/*/; do
    d="${d%/}"
    [ "$(basename "$d")" = unified ] && continue
    mkdir -p "$d/$CGROUP_PARENT"
    if [ -f "$d/cpuset.cpus" ]; then
      [ -n "$(cat "$d/$CGROUP_PARENT/cpuset.cpus")" ] || cat "$d/cpuset.cpus" >"$d/$CGROUP_PARENT/cpuset.cpus"
      [ -n "$(cat "$d/$CGROUP_PARENT/cpuset.mems")" ] || cat "$d/cpuset.mems" >"$d/$CGROUP_PARENT/cpuset.mems"
    fi
  done
}

write_configs() {
  mkdir -p "$CNI_CONF_DIR" "$STATE/containerd-config" "$KUBELET_ROOT"
  cat >"$STATE/containerd-config/config.toml" <<TOML
# containerd for the molecule test cluster only (scripts/ensure-kubernetes.sh):
# its own socket, root and state, never the Docker engine's.
version = 2
root = "$CTR_ROOT"
state = "$CTR_STATE"
oom_score = 0

[grpc]
  address = "$CTR_SOCK"

[ttrpc]
  address = "$CTR_SOCK.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$STATE/containerd-opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    # No process here has CAP_SYS_RESOURCE: runc cannot lower oom_score_adj.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$CNI_BIN_DIR"
      conf_dir = "$CNI_CONF_DIR"
      max_conf_num = 1
TOML
  cat >"$CNI_CONF_DIR/10-molecule-k8s.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "molecule-k8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
JSON
  cat >"$STATE/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
containerRuntimeEndpoint: unix://$CTR_SOCK
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_PARENT
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
podCIDR: $POD_CIDR
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
# Images cannot be pulled here: never garbage-collect the imported ones.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
serializeImagePulls: false
podLogsDir: $STATE/pod-logs
YAML
}

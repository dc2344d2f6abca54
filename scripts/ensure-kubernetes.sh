#!/usr/bin/env bash
# Makes a real single-node Kubernetes cluster on this machine for the
# acceptance tests and prints its kubeconfig path on stdout (everything else
# goes to stderr), so callers can do
#     export MOLECULE_TEST_KUBECONFIG="$(scripts/ensure-kubernetes.sh)"
#
# Usage:
#   scripts/ensure-kubernetes.sh                  start the cluster (or reuse a
#                                                 healthy running one)
#   scripts/ensure-kubernetes.sh --load-image IMAGE...
#                                                 also docker-save IMAGEs from the
#                                                 Docker engine and import them
#                                                 into the cluster's containerd
#   scripts/ensure-kubernetes.sh --build-only     only build (or find) the binaries
#   scripts/ensure-kubernetes.sh --status         print the kubeconfig path when a
#                                                 healthy cluster runs; else exit 1
#   scripts/ensure-kubernetes.sh --stop           tear everything down: pods, kubelet,
#                                                 control plane, containerd, shims,
#                                                 mounts, bridge, cgroups
#
# Binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kubectl) are built from k8s.io/kubernetes in tools/kubernetes and
# cached under $MOLECULE_K8S_CACHE (default /var/cache/molecule-k8s)/<hash>/bin,
# keyed on that module's go.mod, go.sum and sources, the Go version and the build
# flags: a cold build takes minutes, a cached start seconds.
#
# Everything lives apart from the Docker engine: its own containerd (socket,
# config, root, state), pods under the cgroup /molecule-kubepods, its own bridge
# (molecule-k8s0, 10.244.0.0/24), state under /var/lib/molecule-k8s and
# /run/molecule-k8s, logs under /tmp/molecule-k8s. The API server listens on
# 127.0.0.1 only. No kube-proxy and no cluster DNS: pods are reached through
# their IP or the API server's port-forward. Needs root and Debian's apt.
set -euo pipefail

export PATH="/usr/local/go/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"

K8S_VERSION="v1.37.2"
TOOLS_DIR="$REPO/tools/kubernetes"
CACHE_ROOT="${MOLECULE_K8S_CACHE:-/var/cache/molecule-k8s}"
BUILD_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
BUILD_FLAGS=(-p 2 -trimpath "-ldflags=$BUILD_LDFLAGS")
KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)

STATE="/var/lib/molecule-k8s"   # etcd data, PKI, kubelet root, containerd root
RUN="/run/molecule-k8s"         # sockets, pid files, containerd state
LOGS="/tmp/molecule-k8s"        # one log per process
PKI="$STATE/pki"
KUBECONFIG_OUT="$STATE/admin.kubeconfig"
CTR_SOCK="$RUN/containerd.sock"
CTR_ROOT="$STATE/containerd"
CTR_STATE="$RUN/containerd"
KUBELET_ROOT="$STATE/kubelet"
CNI_CONF_DIR="$STATE/cni/net.d"
CNI_BIN_DIR="/usr/lib/cni"
CGROUP_PARENT="molecule-kubepods" # kubelet's --cgroup-root: never docker's
BRIDGE="molecule-k8s0"
POD_CIDR="10.244.0.0/24"
NODE_IP="10.244.0.1"
SERVICE_CIDR="10.96.0.0/16"
API_PORT="${MOLECULE_K8S_API_PORT:-16443}"
ETCD_CLIENT_PORT="${MOLECULE_K8S_ETCD_PORT:-12379}"
ETCD_PEER_PORT="$((ETCD_CLIENT_PORT + 1))"
NODE_NAME="molecule-k8s"
PAUSE_IMAGE="molecule-k8s-pause:$K8S_VERSION"
HOSTPATH_PV_DIR="/tmp/hostpath_pv" # kube-controller-manager's hostpath provisioner
WAIT_SECONDS="${MOLECULE_K8S_WAIT_SECONDS:-120}"

log() { echo "ensure-kubernetes: $*" >&2; }
die() { log "error: $*"; exit 1; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# One file per job under scripts/kubernetes/.
. "$REPO/scripts/kubernetes/build.sh"
. "$REPO/scripts/kubernetes/packages.sh"
. "$REPO/scripts/kubernetes/daemons.sh"
. "$REPO/scripts/kubernetes/pki.sh"
. "$REPO/scripts/kubernetes/node.sh"
. "$REPO/scripts/kubernetes/start.sh"
. "$REPO/scripts/kubernetes/stop.sh"

MODE=start
IMAGES=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --stop) MODE=stop ;;
    --build-only) MODE=build ;;
    --status) MODE=status ;;
    --load-image)
      shift
      while [ "$#" -gt 0 ] && [ "${1#--}" = "$1" ]; do
        IMAGES+=("$1")
        shift
      done
      continue
      ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

mkdir -p "$LOGS"
# One start or stop at a time.
if [ "$MODE" = start ] || [ "$MODE" = stop ]; then
  exec 8>"/run/molecule-k8s.lock"
  flock -w 900 8 || die "another run of this script has held /run/molecule-k8s.lock for 15 minutes"
fi
case "$MODE" in
  build)
    ensure_binaries
    echo "$BIN"
    ;;
  status)
    BIN="$CACHE_ROOT/$(cache_key)/bin"
    healthy || { log "no healthy cluster"; exit 1; }
    echo "$KUBECONFIG_OUT"
    ;;
  stop)
    [ "$(id -u)" = 0 ] || die "stopping the cluster needs root"
    # kubectl from any cached build is enough to stop pods; none is fine too.
    BIN="$(ls -d "$CACHE_ROOT"/*/bin 2>/dev/null | head -n 1 || true)"
    [ -z "$BIN" ] || [ -f "$BIN/../complete" ] || BIN=""
    if [ -f "$TOOLS_DIR/go.sum" ] && command -v go >/dev/null && [ -f "$CACHE_ROOT/$(cache_key)/complete" ]; then
      BIN="$CACHE_ROOT/$(cache_key)/bin"
    fi
    stop_cluster
    ;;
  start)
    install_packages
    ensure_binaries
    start_cluster
    load_images "${IMAGES[@]}"
    echo "$KUBECONFIG_OUT"
    ;;
esac

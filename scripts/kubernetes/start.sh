# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# bringing the cluster up (and images into it).

start_containerd() {
  pid_of containerd >/dev/null && return 0
  mkdir -p "$CTR_ROOT" "$CTR_STATE"
  start_daemon containerd containerd --config "$STATE/containerd-config/config.toml"
  wait_until containerd 60 ctr -a "$CTR_SOCK" version
}

# A FROM scratch image around our pause binary, imported as containerd's
# sandbox image (nothing can be pulled here).
ensure_pause_image() {
  ctr -a "$CTR_SOCK" -n k8s.io images ls -q | grep -qx "docker.io/library/$PAUSE_IMAGE" && return 0
  command -v docker >/dev/null || die "docker is needed to build the pause image"
  local ctx
  ctx="$(mktemp -d "${TMPDIR:-/tmp}/molecule-k8s-pause.XXXXXX")"
  cp "$BIN/pause" "$ctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
  docker build --quiet --label ai.molecule.terraform.test-image=true -t "$PAUSE_IMAGE" "$ctx" >/dev/null 2>"$ctx/err" ||
    { cat "$ctx/err" >&2; rm -rf "$ctx"; die "docker build of $PAUSE_IMAGE failed"; }
  rm -rf "$ctx"
  load_images "$PAUSE_IMAGE"
}

# load_images IMAGE...: docker save from the Docker engine, import here.
load_images() {
  [ "$#" -gt 0 ] || return 0
  local t
  t="$(now)"
  docker image inspect "$@" >/dev/null || die "not in the Docker engine: $*"
  docker save "$@" | ctr -a "$CTR_SOCK" -n k8s.io images import - >/dev/null ||
    die "importing $* into the cluster's containerd failed"
  log "loaded $* in $(since "$t") s"
}

start_etcd() {
  pid_of etcd >/dev/null && return 0
  mkdir -p "$STATE/etcd"
  # A throw-away test store: no fsync, plain HTTP on loopback.
  start_daemon etcd "$BIN/etcd" --name molecule-k8s --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "molecule-k8s=http://127.0.0.1:$ETCD_PEER_PORT" \
    --listen-metrics-urls "" --unsafe-no-fsync --log-level warn
  wait_until etcd 60 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
}

start_apiserver() {
  pid_of kube-apiserver >/dev/null && return 0
  start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address="$NODE_IP" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true \
    --client-ca-file="$PKI/ca.crt" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --profiling=false --v=1
  wait_until kube-apiserver 90 kubectl_admin get --raw /readyz
}

start_controller_manager() {
  pid_of kube-controller-manager >/dev/null && return 0
  start_daemon kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --enable-hostpath-provisioner=true \
    --profiling=false --v=1
}

start_scheduler() {
  pid_of kube-scheduler >/dev/null && return 0
  start_daemon kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 \
    --leader-elect=false --profiling=false --v=1
}

start_kubelet() {
  pid_of kubelet >/dev/null && return 0
  start_daemon kubelet "$BIN/kubelet" \
    --config="$STATE/kubelet-config.yaml" \
    --kubeconfig="$STATE/kubelet.kubeconfig" \
    --root-dir="$KUBELET_ROOT" --cert-dir="$KUBELET_ROOT/pki" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
}

node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

default_sa() { kubectl_admin -n default get serviceaccount default; }

# The default class binds a claim when its first pod is scheduled (as most
# real clusters' classes do): with Immediate binding the scheduler saw a new
# pod's claims still unbound and parked it for minutes.
ensure_storage_class() {
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: molecule-hostpath
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
YAML
}

# healthy: every process runs and the API server, node and default service
# account answer.
healthy() {
  local name
  [ -n "${BIN:-}" ] && [ -x "$BIN/kubectl" ] || return 1
  for name in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet; do
    pid_of "$name" >/dev/null || return 1
  done
  kubectl_admin get --raw /readyz >/dev/null 2>&1 && node_ready && default_sa >/dev/null 2>&1
}

start_cluster() {
  [ "$(id -u)" = 0 ] || die "starting the cluster needs root"
  mkdir -p "$STATE" "$RUN" "$LOGS"
  if healthy; then
    log "cluster already running (kubeconfig $KUBECONFIG_OUT)"
    return 0
  fi
  if [ -n "$(ls "$RUN"/*.pid 2>/dev/null)" ]; then
    log "a cluster is partly running; stopping it first"
    stop_cluster
    mkdir -p "$STATE" "$RUN" "$LOGS"
  fi
  local t0
  t0="$(now)"
  make_pki
  write_kubeconfig "$KUBECONFIG_OUT" admin
  write_kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$STATE/scheduler.kubeconfig" scheduler
  write_kubeconfig "$STATE/kubelet.kubeconfig" kubelet
  ensure_bridge
  ensure_cgroup_root
  write_configs
  start_containerd
  ensure_pause_image
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kubelet
  ensure_storage_class
  log "control plane up in $(since "$t0") s; waiting for the node and serviceaccount/default"
  wait_until kubelet "$WAIT_SECONDS" node_ready
  wait_until kube-controller-manager "$WAIT_SECONDS" default_sa
  log "cluster ready in $(since "$t0") s (kubeconfig $KUBECONFIG_OUT, logs $LOGS)"
}

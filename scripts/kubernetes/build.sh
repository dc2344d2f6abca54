# shellcheck shell=bash
# Sourced by scripts/ensure-kubernetes.sh (its variables, log and die):
# building the cluster's binaries into the content-keyed cache.

cache_key() {
  {
    echo "$K8S_VERSION ${BUILD_FLAGS[*]} ${KUBE_CMDS[*]} etcd pause"
    go version
    cat "$TOOLS_DIR/go.mod" "$TOOLS_DIR/go.sum"
    (cd "$TOOLS_DIR" && find cmd -name '*.go' -print0 | LC_ALL=C sort -z | xargs -0 cat)
  } | sha256sum | cut -c1-32
}

# ensure_binaries sets BIN to a directory holding every binary, building them
# into the content-keyed cache when they are not there yet.
ensure_binaries() {
  command -v go >/dev/null || die "go not found (PATH or /usr/local/go/bin)"
  local key dir
  key="$(cache_key)"
  dir="$CACHE_ROOT/$key"
  BIN="$dir/bin"
  if [ -f "$dir/complete" ]; then
    log "binaries cached in $BIN"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # One build at a time per cache, however many callers.
  exec 9>"$CACHE_ROOT/.build.lock"
  flock -w 3600 9 || die "another build has held $CACHE_ROOT/.build.lock for an hour"
  if [ -f "$dir/complete" ]; then
    exec 9>&-
    log "binaries cached in $BIN (built meanwhile by another run)"
    return 0
  fi
  local tmp start t
  tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "building Kubernetes $K8S_VERSION binaries into $dir (cold: several minutes)"
  start="$(now)"
  mkdir -p "$tmp/bin"
  local cmd pkg
  for cmd in etcd pause "${KUBE_CMDS[@]}"; do
    case "$cmd" in
      etcd | pause) pkg="./cmd/$cmd" ;;
      *) pkg="k8s.io/kubernetes/cmd/$cmd" ;;
    esac
    t="$(now)"
    (cd "$TOOLS_DIR" && CGO_ENABLED=0 go build "${BUILD_FLAGS[@]}" -o "$tmp/bin/$cmd" "$pkg") ||
      { rm -rf "$tmp"; die "go build $pkg failed"; }
    log "  built $cmd in $(since "$t") s"
  done
  echo "built $(date -u +%FT%TZ) in $(since "$start") s with $(go version)" >"$tmp/complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  exec 9>&-
  log "built every binary in $(since "$start") s ($(du -sh "$BIN" | cut -f1))"
}

#!/usr/bin/env bash
# Starts (once) the test registry the acceptance tests and the demo pull from:
# Debian's docker-registry (CNCF distribution) on 127.0.0.1 with TLS and
# htpasswd authentication, and pushes the stand-in images into it under the
# platform's names, <registry>/molecule-ai/workspace-template-<runtime>:latest.
#
#   scripts/ensure-registry.sh     prints the registry's address (127.0.0.1:PORT)
#
# - Installs docker-registry and apache2-utils (htpasswd) with apt when
#   missing (root only).
# - Makes a test CA and a server certificate for 127.0.0.1 once, and trusts
#   the CA the engine's way: /etc/docker/certs.d/<host:port>/ca.crt (read on
#   every pull: no engine restart).
# - One user, "molecule", with a random password made once. Everything lives
#   in $MOLECULE_TEST_REGISTRY_DIR (default /var/lib/molecule-test-registry);
#   registry.env there holds the address, user, password and file paths for
#   the tests (mode 0600). registry.log is the registry's request log.
# - Idempotent: a registry that already answers is left running; the stand-in
#   images are pushed again (a few seconds: the layers are there already) so
#   they always match scripts/build-test-images.sh. The pushed names are only
#   tagged on the engine while pushing: the engine keeps no
#   workspace-template name outside the registry, so pulls really pull.
# Needs a running engine and the stand-in images (make images does both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DIR="${MOLECULE_TEST_REGISTRY_DIR:-/var/lib/molecule-test-registry}"
PORT="${MOLECULE_TEST_REGISTRY_PORT:-5443}"
HOST="127.0.0.1:$PORT"
USER_NAME=molecule
STANDIN_PREFIX="${STANDIN_TAG_PREFIX:-molecule-tf-standin}"
RUNTIMES=(langgraph claude-code openclaw deepagents crewai autogen hermes gemini-cli codex)

log() { echo "ensure-registry: $*" >&2; }
die() { log "error: $*"; exit 1; }

install_missing() {
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "please install: ${missing[*]}"
  fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a registry service of its own on :5000; ours is the
  # one below. Leave theirs alone unless it was only just installed by us.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
}

make_certificates() {
  [ -s "$DIR/ca.crt" ] && [ -s "$DIR/server.crt" ] && [ -s "$DIR/server.key" ] && return 0
  log "making a test CA and a certificate for 127.0.0.1 in $DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=molecule test registry CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$DIR/server.key" -out "$DIR/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.crt" >/dev/null 2>&1
  chmod 0600 "$DIR/ca.key" "$DIR/server.key"
}

make_credentials() {
  if [ ! -s "$DIR/password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/password")
  fi
  htpasswd -Bbn "$USER_NAME" "$(cat "$DIR/password")" >"$DIR/htpasswd.tmp" 2>/dev/null
  mv "$DIR/htpasswd.tmp" "$DIR/htpasswd"
}

write_config() {
  cat >"$DIR/config.yml" <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: $HOST
  tls:
    certificate: $DIR/server.crt
    key: $DIR/server.key
auth:
  htpasswd:
    realm: molecule-test-registry
    path: $DIR/htpasswd
YAML
}

answers() {
  # 401 without credentials: it is up and asks for them.
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$DIR/ca.crt" "https://$HOST/v2/" || true)"
  [ "$code" = 401 ] || [ "$code" = 200 ]
}

start_registry() {
  answers && return 0
  if [ -s "$DIR/registry.pid" ] && kill -0 "$(cat "$DIR/registry.pid")" 2>/dev/null; then
    log "registry pid $(cat "$DIR/registry.pid") runs but does not answer on $HOST; see $DIR/registry.log"
  fi
  log "starting docker-registry on $HOST"
  setsid nohup docker-registry serve "$DIR/config.yml" >>"$DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$DIR/registry.pid"
  for _ in $(seq 1 100); do
    answers && return 0
    sleep 0.1
  done
  tail -n 20 "$DIR/registry.log" >&2 || true
  die "docker-registry did not answer on $HOST"
}

trust_ca() {
  local certs="/etc/docker/certs.d/$HOST"
  if ! cmp -s "$DIR/ca.crt" "$certs/ca.crt" 2>/dev/null; then
    mkdir -p "$certs" || die "cannot write $certs (run as root)"
    cp "$DIR/ca.crt" "$certs/ca.crt"
  fi
}

push_standins() {
  local cfg
  cfg="$(mktemp -d "${TMPDIR:-/tmp}/molecule-registry-login.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$cfg'" RETURN
  docker --config "$cfg" login --username "$USER_NAME" --password-stdin "$HOST" <"$DIR/password" >/dev/null 2>&1 ||
    die "docker login to $HOST failed"
  local rt target
  for rt in "${RUNTIMES[@]}"; do
    target="$HOST/molecule-ai/workspace-template-$rt:latest"
    docker image inspect "$STANDIN_PREFIX:$rt" >/dev/null 2>&1 ||
      die "stand-in image $STANDIN_PREFIX:$rt missing: run scripts/build-test-images.sh first"
    docker tag "$STANDIN_PREFIX:$rt" "$target"
    if ! out="$(docker --config "$cfg" push "$target" 2>&1)"; then
      docker rmi "$target" >/dev/null 2>&1 || true
      echo "$out" >&2
      die "pushing $target failed"
    fi
    docker rmi "$target" >/dev/null 2>&1 || true
  done
}

write_env() {
  (umask 077; cat >"$DIR/registry.env.tmp" <<ENV
REGISTRY_HOST=$HOST
REGISTRY_USER=$USER_NAME
REGISTRY_PASSWORD=$(cat "$DIR/password")
REGISTRY_DIR=$DIR
REGISTRY_CA=$DIR/ca.crt
REGISTRY_CERT=$DIR/server.crt
REGISTRY_KEY=$DIR/server.key
REGISTRY_LOG=$DIR/registry.log
ENV
  )
  mv "$DIR/registry.env.tmp" "$DIR/registry.env"
}

install_missing
command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "no Docker engine answers; run scripts/ensure-docker.sh"
mkdir -p "$DIR/data"
chmod 0700 "$DIR"
make_certificates
make_credentials
write_config
start_registry
trust_ca
push_standins
write_env
log "ready at $HOST (credentials in $DIR/registry.env)"
echo "$HOST"

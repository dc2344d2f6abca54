#!/usr/bin/env bash
# Installs the host tools the acceptance tests use besides Docker:
# openssh-server (the ssh:// engine test runs a throwaway sshd on 127.0.0.1).
# Safe to run repeatedly; installs only what is missing, and only as root.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
command -v sshd >/dev/null 2>&1 || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: please install: ${missing[*]}" >&2
  exit 1
fi
echo "ensure-test-deps: installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Copyright (c) Molecule AI
# SPDX-License-Identifier: MPL-2.0
#
# `make unit` must pass on a machine without an engine and create nothing on
# a machine with one. This runs every test once with TF_ACC unset and
# DOCKER_HOST at a socket that does not exist, fails when a test fails or
# any TestAcc* test starts, and, when an engine answers at the DOCKER_HOST
# this script was given (default: the local socket), lists the containers,
# volumes and networks that appeared on it during the run and fails on any.
# Meant for a machine where nothing else creates objects meanwhile (CI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=/usr/local/go/bin:$PATH

engine="${DOCKER_HOST:-unix:///var/run/docker.sock}"
snapshot() {
  DOCKER_HOST="$engine" docker ps -aq --no-trunc
  DOCKER_HOST="$engine" docker volume ls -q
  DOCKER_HOST="$engine" docker network ls -q --no-trunc
}
have_engine=false
if command -v docker >/dev/null && DOCKER_HOST="$engine" docker version >/dev/null 2>&1; then
  have_engine=true
  before="$(snapshot | sort)"
else
  echo "check-unit-isolation: no engine answers at $engine: checking the run without one only"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# The TestPlan* unit tests run terraform against the provider on a fake
# backend: the one TF_ACC_TERRAFORM_PATH names, else the one on PATH.
TF_ACC_TERRAFORM_PATH="${TF_ACC_TERRAFORM_PATH:-$(command -v terraform || true)}"
export TF_ACC_TERRAFORM_PATH
env -u TF_ACC DOCKER_HOST=unix:///nonexistent.sock go test ./... -count=1 -json >"$log" || status=$?
grep -h '"Action":"output"' "$log" | grep -E -- '--- FAIL|^.*FAIL\\t' | sed -E 's/.*"Output":"(.*)"}$/\1/' || true
if [ "$status" -ne 0 ]; then
  echo "check-unit-isolation: go test ./... failed with DOCKER_HOST at nothing (exit $status)" >&2
  exit 1
fi
if started="$(grep -E '"Action":"run".*"Test":"TestAcc[A-Z_]' "$log")"; then
  echo "check-unit-isolation: acceptance tests started without TF_ACC:" >&2
  echo "$started" >&2
  exit 1
fi
counts="$(grep -hoE '"Action":"(pass|fail|skip)","Package":"[^"]*","Test":"[^"]*"' "$log" | cut -d'"' -f4 | sort | uniq -c | tr '\n' ' ')"
echo "check-unit-isolation: tests with DOCKER_HOST at nothing: $counts; no TestAcc* test started"

if $have_engine; then
  new="$(comm -13 <(echo "$before") <(snapshot | sort))"
  if [ -n "$new" ]; then
    echo "check-unit-isolation: objects appeared on $engine during the run:" >&2
    echo "$new" >&2
    exit 1
  fi
  echo "check-unit-isolation: nothing appeared on $engine"
fi

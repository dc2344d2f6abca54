#!/usr/bin/env bash
# Fleet benchmark: the provider against the raw Docker engine doing the same
# work, for fleets of N workspaces (see tests/bench). `make bench` builds the
# stand-in images first and then runs this.
#
# Environment (all optional):
#   BENCH_N                 fleet sizes, comma-separated      (default 10,50,100,200,500)
#   BENCH_RUNS              runs per arm and fleet size        (default 3)
#   BENCH_PARALLELISM       terraform -parallelism and the raw
#                           arm's concurrency                  (default 10)
#   BENCH_PLAN_REPEATS      no-change plans per run; plan s is over
#                           all of them                        (default 3)
#   BENCH_OUT               results file (JSON; a CSV and an SVG plot are written beside it)
#                                                  (default bench-results/bench-<UTC time>.json)
#   BENCH_ENFORCE_TARGETS=1 exit non-zero when a target is missed
#   BENCH_KEEP_WORKDIRS=1   keep terraform working directories and logs
#   TERRAFORM               terraform binary                   (default: on PATH)
#   DOCKER_HOST             engine to measure                  (default: local socket)
#
# Arms per fleet size and run: raw (the same Docker calls made directly),
# provider (terraform apply, no-change plans with and without refresh, drift
# plan, destroy) and terraform_data (a plan of N built-in resources: the floor
# Terraform itself sets). A preflight refuses, before anything is created, a
# largest N that the engine's memory, ports or threads cannot hold.
#
# Everything the bench creates carries the provider's ownership labels and a
# session id, and is removed at the end even when a step fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

DOCKER_HOST="$(scripts/ensure-docker.sh)"
export DOCKER_HOST
scripts/build-test-images.sh >/dev/null

bin="$(mktemp -d "${TMPDIR:-/tmp}/molecule-bench-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/terraform-provider-molecule" .
go build -o "$bin/molecule-bench" ./tests/bench

# A developer's dev_overrides must not leak into the bench's own.
unset TF_CLI_CONFIG_FILE TF_LOG TF_LOG_PATH

"$bin/molecule-bench" -provider "$bin/terraform-provider-molecule" "$@"

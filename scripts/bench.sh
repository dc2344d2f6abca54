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
#   BENCH_BASELINE_REF      a git revision (commit, tag, branch) whose provider
#                           is measured in the same runs as arm provider_baseline,
#                           to tell whether a change made the provider slower
#                           (built from a temporary worktree of this repository)
#   TERRAFORM               terraform binary                   (default: on PATH)
#   DOCKER_HOST             engine to measure                  (default: local socket)
#   BENCH_BACKENDS          docker, kubernetes or both, comma-separated
#                           (default: docker, plus kubernetes when the test
#                           cluster already runs: scripts/ensure-kubernetes.sh --status;
#                           then, when the cluster cannot take the fleet, they
#                           are skipped with a note instead of stopping the run)
#   BENCH_KUBE_N            the Kubernetes arms' fleet sizes    (default 10,50)
#   BENCH_KUBECONFIG        cluster of the Kubernetes arms (default: the test
#                           cluster, started by scripts/ensure-kubernetes.sh
#                           when BENCH_BACKENDS names kubernetes, with the
#                           stand-in and config init images loaded; another
#                           cluster must hold both images itself)
#   BENCH_CONFIG_INIT_IMAGE config init image on that cluster  (default molecule-configinit:test)
#   BENCH_KUBE_STORAGE_CLASS StorageClass of the claims (default: a copy of the
#                           cluster's default class binding at first consumer,
#                           made for the session and removed after it)
#
# Arms per fleet size and run: raw (the same Docker calls made directly),
# provider (terraform apply, no-change plans with and without refresh, drift
# plan, destroy) and terraform_data (a plan of N built-in resources: the floor
# Terraform itself sets); in the first run of each size also terraform_data_sized
# (the same resources, each carrying as much state as a workspace: Terraform's
# own share of an apply and a destroy, which rewrite the whole state file after
# every resource) and provider_fake (the provider arm's steps against the real
# provider with its workspaces on an in-memory fake backend: everything but
# the engine). Each backend's raw arm runs first in odd runs and its provider
# arm first in even ones. A preflight refuses, before anything is created, a
# largest N that the engine's memory, ports or threads cannot hold.
# The Kubernetes arms (k8s-raw: client-go making the same objects, the same
# pod-Ready wait and deletes; k8s-provider: apply, no-change plans, destroy
# through the provider's kubernetes block) run in a namespace of their own,
# deleted at the end; their preflight checks the nodes can schedule N pods.
#
# Everything the bench creates carries the provider's ownership labels and a
# session id, and is removed at the end even when a step fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"

DOCKER_HOST="$(scripts/ensure-docker.sh)"
export DOCKER_HOST
scripts/build-test-images.sh >/dev/null

if [ -z "${BENCH_BACKENDS:-}" ]; then
  BENCH_BACKENDS=docker
  if cluster="$(scripts/ensure-kubernetes.sh --status 2>/dev/null)"; then
    BENCH_BACKENDS=docker,kubernetes
    export BENCH_KUBE_AUTO=1 # a Kubernetes preflight that fails skips them
    echo "bench: the test cluster runs ($cluster): Kubernetes arms on (BENCH_BACKENDS=docker to skip them)" >&2
  fi
fi
export BENCH_BACKENDS
if [[ ",$BENCH_BACKENDS," == *,kubernetes,* ]] && [ -z "${BENCH_KUBECONFIG:-}" ]; then
  init_image="$(scripts/build-config-init-image.sh)"
  BENCH_CONFIG_INIT_IMAGE="${BENCH_CONFIG_INIT_IMAGE:-$init_image}"
  BENCH_KUBECONFIG="$(scripts/ensure-kubernetes.sh --load-image "${BENCH_IMAGE:-molecule-tf-standin:langgraph}" "$BENCH_CONFIG_INIT_IMAGE")"
  export BENCH_KUBECONFIG BENCH_CONFIG_INIT_IMAGE
fi

bin="$(mktemp -d "${TMPDIR:-/tmp}/molecule-bench-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/terraform-provider-molecule" .
go build -o "$bin/molecule-bench" ./tests/bench
if [ -n "${BENCH_BASELINE_REF:-}" ]; then
  worktree="$bin/baseline-src"
  git worktree add --detach --quiet "$worktree" "$BENCH_BASELINE_REF"
  trap 'git worktree remove --force "$worktree" 2>/dev/null; rm -rf "$bin"' EXIT
  (cd "$worktree" && go build -o "$bin/baseline/terraform-provider-molecule" .)
  export BENCH_BASELINE_PROVIDER="$bin/baseline/terraform-provider-molecule"
  echo "bench: baseline provider built from $BENCH_BASELINE_REF ($(git rev-parse --short "$BENCH_BASELINE_REF"))" >&2
fi

# A developer's dev_overrides must not leak into the bench's own.
unset TF_CLI_CONFIG_FILE TF_LOG TF_LOG_PATH

"$bin/molecule-bench" -provider "$bin/terraform-provider-molecule" "$@"

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command bench measures the provider on fleets of workspaces against the raw
// Docker engine doing the same work, and checks every step. Run it through
// scripts/bench.sh (make bench), which builds the provider and this program.
//
// For each fleet size N and each run, a raw arm (the Docker calls a workspace
// needs, made directly at the given concurrency) and a provider arm
// (terraform apply, no-change plan, drift plan, destroy) run one after the
// other, so that noise from other work on the machine hits both. It prints one
// table and writes every measurement to a JSON file.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	sizes       []int
	runs        int
	parallelism int
	provider    string // freshly built provider binary
	baseline    string // another provider build to compare with; "" = none
	terraform   string
	out         string // JSON results file
	image       string
	keepWork    bool
	planRepeats int
	enforce     bool // exit non-zero when a target is missed

	// backends measured (backendDocker, backendKube); sizes are the Docker
	// arms' fleet sizes (none without them), kubeSizes the Kubernetes arms'.
	backends        []string
	kubeSizes       []int
	kubeconfig      string
	configInitImage string
	// kubeStorageClass of the claims; "" = a session copy of the default
	// class with WaitForFirstConsumer binding (kubeSession.makeStorageClass).
	kubeStorageClass string
	// kubeOptional: the Kubernetes arms are on only because a cluster
	// runs (scripts/bench.sh); when its preflight fails they are skipped.
	kubeOptional bool
}

func (o options) docker() bool     { return slices.Contains(o.backends, backendDocker) }
func (o options) kubernetes() bool { return slices.Contains(o.backends, backendKube) }

// allSizes are the fleet sizes any arm runs at, smallest first.
func (o options) allSizes() []int {
	all := slices.Concat(o.sizes, o.kubeSizes)
	slices.Sort(all)
	return slices.Compact(all)
}

// armsAt are the arms that run at fleet size n in run r, in order: each
// backend's raw arm and provider arm, then Terraform's floor, and in the
// first run the sized floor and, with the Docker arms, the engine-free
// provider. The raw arm goes first in odd runs and the provider arm in even
// ones: an engine still settling from the arm before (a cluster tearing down
// pods, sandboxes and volumes after a destroy) then slows neither arm more
// than the other.
func (o options) armsAt(n, r int) []string {
	out := o.armsInOrder(n, r)
	if slices.Contains(out, armBaseline) {
		return rotateArms(out, r)
	}
	if r%2 == 0 {
		for i := 0; i+1 < len(out); i++ {
			if rawBeforeProvider(out[i], out[i+1]) {
				out[i], out[i+1] = out[i+1], out[i]
			}
		}
	}
	return out
}

// rawBeforeProvider reports whether a and b are one backend's raw and
// provider arms in that order.
func rawBeforeProvider(a, b string) bool {
	return (a == armRaw && b == armProvider) || (a == armKubeRaw && b == armKubeProvider)
}

// armsInOrder are armsAt's arms with every raw arm before its provider arm.
func (o options) armsInOrder(n, r int) []string {
	var out []string
	for _, arm := range arms {
		switch arm {
		case armSizedFloor:
			if r == 1 {
				out = append(out, arm)
			}
		case armFake:
			if r == 1 && o.docker() && slices.Contains(o.sizes, n) {
				out = append(out, arm)
			}
		case armRaw, armProvider:
			if o.docker() && slices.Contains(o.sizes, n) {
				out = append(out, arm)
			}
		case armBaseline:
			if o.baseline != "" && o.docker() && slices.Contains(o.sizes, n) {
				out = append(out, arm)
			}
		case armKubeRaw, armKubeProvider:
			if o.kubernetes() && slices.Contains(o.kubeSizes, n) {
				out = append(out, arm)
			}
		default:
			out = append(out, arm)
		}
	}
	return out
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == fakeProviderCommand {
		os.Exit(serveFakeProvider())
	}
	if len(os.Args) > 2 && os.Args[1] == "-report" {
		// Re-read a results file: its table and targets, e.g. to compare runs.
		if err := reprint(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}

func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	sizes := fs.String("n", envOr("BENCH_N", "10,50,100,200,500"), "comma-separated fleet sizes (env BENCH_N)")
	runs := fs.Int("runs", envInt("BENCH_RUNS", 3), "runs per arm and fleet size (env BENCH_RUNS)")
	par := fs.Int("parallelism", envInt("BENCH_PARALLELISM", 10), "terraform -parallelism and raw-arm concurrency (env BENCH_PARALLELISM)")
	provider := fs.String("provider", os.Getenv("BENCH_PROVIDER"), "path to the built terraform-provider-molecule (env BENCH_PROVIDER)")
	baseline := fs.String("baseline-provider", os.Getenv("BENCH_BASELINE_PROVIDER"), "another provider build measured in the same runs, as arm "+armBaseline+" (env BENCH_BASELINE_PROVIDER)")
	tf := fs.String("terraform", envOr("TERRAFORM", "terraform"), "terraform binary (env TERRAFORM)")
	out := fs.String("out", envOr("BENCH_OUT", filepath.Join("bench-results", "bench-"+time.Now().UTC().Format("20060102T150405Z")+".json")), "results file (env BENCH_OUT)")
	image := fs.String("image", envOr("BENCH_IMAGE", "molecule-tf-standin:langgraph"), "workspace image (env BENCH_IMAGE)")
	keep := fs.Bool("keep-workdirs", os.Getenv("BENCH_KEEP_WORKDIRS") != "", "keep terraform working directories and logs (env BENCH_KEEP_WORKDIRS)")
	planRepeats := fs.Int("plan-repeats", envInt("BENCH_PLAN_REPEATS", 3), "no-change plans per run (env BENCH_PLAN_REPEATS)")
	enforce := fs.Bool("enforce-targets", os.Getenv("BENCH_ENFORCE_TARGETS") != "", "exit non-zero when a target is missed (env BENCH_ENFORCE_TARGETS)")
	backends := fs.String("backends", envOr("BENCH_BACKENDS", backendDocker), "backends to measure: docker, kubernetes or both, comma-separated (env BENCH_BACKENDS)")
	kubeSizes := fs.String("kube-n", envOr("BENCH_KUBE_N", "10,50"), "comma-separated fleet sizes of the Kubernetes arms (env BENCH_KUBE_N)")
	kubeconfig := fs.String("kubeconfig", os.Getenv("BENCH_KUBECONFIG"), "kubeconfig of the cluster the Kubernetes arms use (env BENCH_KUBECONFIG)")
	initImage := fs.String("config-init-image", envOr("BENCH_CONFIG_INIT_IMAGE", "molecule-configinit:test"), "config init image on the cluster (env BENCH_CONFIG_INIT_IMAGE)")
	storageClass := fs.String("kube-storage-class", os.Getenv("BENCH_KUBE_STORAGE_CLASS"), "StorageClass of the Kubernetes arms' claims; default a session copy of the default class binding at first consumer (env BENCH_KUBE_STORAGE_CLASS)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o := options{runs: *runs, parallelism: *par, terraform: *tf, out: *out, image: *image, keepWork: *keep, enforce: *enforce, planRepeats: *planRepeats,
		kubeconfig: *kubeconfig, configInitImage: *initImage, kubeStorageClass: *storageClass, kubeOptional: os.Getenv("BENCH_KUBE_AUTO") != ""}
	for _, b := range strings.Split(*backends, ",") {
		switch b = strings.TrimSpace(b); b {
		case backendDocker, backendKube:
			o.backends = append(o.backends, b)
		default:
			return o, fmt.Errorf("backend %q: want docker or kubernetes", b)
		}
	}
	var err error
	if o.docker() {
		if o.sizes, err = parseSizes(*sizes); err != nil {
			return o, err
		}
	}
	if o.kubernetes() {
		if o.kubeSizes, err = parseSizes(*kubeSizes); err != nil {
			return o, err
		}
		if o.kubeconfig == "" {
			return o, fmt.Errorf("the Kubernetes arms need -kubeconfig (or BENCH_KUBECONFIG); scripts/bench.sh sets it to the test cluster's")
		}
	}
	if o.runs < 1 || o.parallelism < 1 {
		return o, fmt.Errorf("runs and parallelism must be at least 1")
	}
	if *provider == "" {
		return o, fmt.Errorf("-provider (or BENCH_PROVIDER) must name a built provider binary; scripts/bench.sh builds one")
	}
	abs, err := filepath.Abs(*provider)
	if err != nil {
		return o, err
	}
	if _, err := os.Stat(abs); err != nil {
		return o, fmt.Errorf("provider binary: %w", err)
	}
	o.provider = abs
	if *baseline != "" {
		if o.baseline, err = filepath.Abs(*baseline); err != nil {
			return o, err
		}
		if _, err := os.Stat(o.baseline); err != nil {
			return o, fmt.Errorf("baseline provider binary: %w", err)
		}
	}
	if o.terraform, err = exec.LookPath(o.terraform); err != nil {
		return o, fmt.Errorf("terraform: %w", err)
	}
	return o, nil
}

// run measures every fleet size, interleaving the arms run by run, and always
// removes what the session made.
func run(ctx context.Context, o options) error {
	s, err := newSession(ctx, o)
	if err != nil {
		return err
	}
	defer s.close()
	o = s.opts // the session may have dropped the Kubernetes arms

	var results []measurement
	var failures []string
	for _, n := range o.allSizes() {
		for r := 1; r <= o.runs; r++ {
			for _, arm := range o.armsAt(n, r) {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(os.Stderr, "bench: N=%d run %d/%d %s arm...\n", n, r, o.runs, arm)
				m := s.measure(ctx, arm, n, r)
				if m.Error != "" {
					failures = append(failures, fmt.Sprintf("%s N=%d run %d: %s", arm, n, r, m.Error))
					fmt.Fprintf(os.Stderr, "bench: %s N=%d run %d FAILED: %s\n", arm, n, r, m.Error)
				} else if arm == armFloor || arm == armSizedFloor || arm == armFake {
					fmt.Fprintf(os.Stderr, "bench:   apply %.2fs plan %.2fs destroy %.2fs\n", m.CreateS, m.PlanS, m.DestroyS)
				} else if arm == armKubeRaw || arm == armKubeProvider {
					fmt.Fprintf(os.Stderr, "bench:   create %.2fs plan %.2fs destroy %.2fs\n", m.CreateS, m.PlanS, m.DestroyS)
				} else {
					fmt.Fprintf(os.Stderr, "bench:   create %.2fs plan %.2fs drift-plan %.2fs destroy %.2fs\n", m.CreateS, m.PlanS, m.DriftPlanS, m.DestroyS)
				}
				results = append(results, m)
				if err := s.sweepBatch(m.IDPrefix); err != nil {
					failures = append(failures, fmt.Sprintf("%s N=%d run %d: cleanup: %v", arm, n, r, err))
				}
			}
		}
	}
	rep := buildReport(o, results)
	rep.print(os.Stdout)
	if err := rep.write(o.out); err != nil {
		failures = append(failures, "writing results: "+err.Error())
	} else {
		fmt.Printf("\nresults written to %s\n", o.out)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d step(s) failed:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	if missed := rep.missedTargets(); len(missed) > 0 && o.enforce {
		return fmt.Errorf("targets missed: %s", strings.Join(missed, "; "))
	}
	return nil
}

func parseSizes(list string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxFleet {
			return nil, fmt.Errorf("fleet size %q: want an integer in 1..%d", f, maxFleet)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

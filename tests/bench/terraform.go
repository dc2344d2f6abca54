// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

// fleetConfig is the provider arm's configuration: one molecule_workspace per
// entry of var.workspaces, with the same config.yaml the raw arm copies.
const fleetConfig = `terraform {
  required_providers {
    molecule = { source = "molecule-ai/molecule" }
  }
}

variable "network" { type = string }
variable "image" { type = string }
variable "workspaces" { type = map(string) }

provider "molecule" {
  network        = var.network
  runtime_images = { langgraph = var.image }
}

resource "molecule_workspace" "fleet" {
  for_each     = var.workspaces
  workspace_id = each.key
  config_files = { "config.yaml" = each.value }
}
`

// providerArm drives terraform with the freshly built provider (through
// dev_overrides) on a fresh working directory.
type providerArm struct {
	s   *session
	dir string
	// cliConfig replaces the session's provider (the engine-free arm).
	cliConfig string
	// extraEnv is added to every terraform command's environment.
	extraEnv []string
}

func newProviderArm(s *session) *providerArm { return &providerArm{s: s} }

func (a *providerArm) run(ctx context.Context, ids []string, m *measurement) error {
	a.dir = filepath.Join(a.s.workdir, m.IDPrefix)
	if err := a.writeConfig(ids); err != nil {
		return err
	}
	defer func() { m.PeakRSSKB = a.peakRSS() }()
	m.Calls = map[string]callStats{}
	n, par := len(ids), fmt.Sprintf("-parallelism=%d", a.s.opts.parallelism)

	// Create.
	var err error
	m.CreateS, err = timed(func() error { return a.terraform(ctx, "apply", 0, "apply", "-auto-approve", par) })
	m.Calls["create"] = a.calls("apply", n)
	m.ProviderCPUS = map[string]float64{"create": a.cpuSeconds("apply", 1)}
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if err := checkServing(ctx, a.s.cli, ids, a.s.opts.parallelism); err != nil {
		return fmt.Errorf("after apply: %w", err)
	}
	m.StateBytesPerWS = stateBytesPerWorkspace(a.dir, n)

	// No-change plan: the refresh must find nothing to do.
	m.PlanSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan", 0, "plan", "-detailed-exitcode", par)
	})
	m.Calls["refresh"] = a.calls("plan", n*len(m.PlanSamplesS))
	m.ProviderCPUS["plan"] = a.cpuSeconds("plan", len(m.PlanSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]
	// The same plans without refresh: the split between reading the engine
	// and everything else (Terraform core, the provider's plan RPCs).
	m.PlanNoRefreshSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan-no-refresh", 0, "plan", "-refresh=false", "-detailed-exitcode", par)
	})
	m.Calls["plan-no-refresh"] = a.calls("plan-no-refresh", n*len(m.PlanNoRefreshSamplesS))
	m.ProviderCPUS["plan-no-refresh"] = a.cpuSeconds("plan-no-refresh", len(m.PlanNoRefreshSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan -refresh=false: %w", err)
	}

	// Drift: one container removed outside Terraform must plan exactly one add.
	if err := removeOutside(ctx, a.s.cli, ids[n/2]); err != nil {
		return err
	}
	m.DriftPlanS, err = timed(func() error {
		return a.terraform(ctx, "drift-plan", 2, "plan", "-detailed-exitcode", "-out=drift.tfplan", par)
	})
	m.Calls["drift-refresh"] = a.calls("drift-plan", n)
	if err != nil {
		return fmt.Errorf("drift plan: %w", err)
	}
	if err := a.checkDriftPlan(ctx, ids[n/2]); err != nil {
		return err
	}
	// Apply the drift plan (untimed) so destroy starts from a whole fleet:
	// a container missing at destroy time would leave its volumes behind.
	if err := a.terraform(ctx, "drift-apply", 0, "apply", par, "drift.tfplan"); err != nil {
		return fmt.Errorf("applying the drift plan: %w", err)
	}
	if err := checkServing(ctx, a.s.cli, ids[n/2:n/2+1], 1); err != nil {
		return fmt.Errorf("after applying the drift plan: %w", err)
	}

	// Destroy.
	m.DestroyS, err = timed(func() error { return a.terraform(ctx, "destroy", 0, "destroy", "-auto-approve", par) })
	m.Calls["destroy"] = a.calls("destroy", n)
	m.ProviderCPUS["destroy"] = a.cpuSeconds("destroy", 1)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return checkNothingLeft(ctx, a.s, m.IDPrefix)
}

func (a *providerArm) writeConfig(ids []string) error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	workspaces := map[string]string{}
	for _, id := range ids {
		workspaces[id] = configYAML(id)
	}
	vars, err := json.MarshalIndent(map[string]any{"network": a.s.network, "image": a.s.opts.image, "workspaces": workspaces}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "main.tf"), []byte(fleetConfig), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(a.dir, "terraform.tfvars.json"), vars, 0o644)
}

// terraform runs one command and fails unless it exits with wantExit. Its
// output goes to <step>.out and its provider's API calls to <step>.calls.
func (a *providerArm) terraform(ctx context.Context, step string, wantExit int, args ...string) error {
	// Flags go right after the subcommand: a saved plan must stay last.
	args = append([]string{args[0], "-input=false", "-no-color"}, args[1:]...)
	out, err := os.Create(filepath.Join(a.dir, step+".out"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, a.s.opts.terraform, args...)
	cmd.Dir = a.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = a.env(step)
	// On interrupt, let terraform stop its providers itself.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	err = cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		return err
	}
	if code != wantExit {
		return fmt.Errorf("terraform %s exited %d, want %d:\n%s", strings.Join(args, " "), code, wantExit, tail(filepath.Join(a.dir, step+".out"), 15))
	}
	return nil
}

func (a *providerArm) env(step string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TF_CLI_CONFIG_FILE", "TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PATH", apiCallLogEnv, processLogEnv:
			continue
		}
		env = append(env, kv)
	}
	return append(append(env,
		"TF_CLI_CONFIG_FILE="+cmp.Or(a.cliConfig, a.s.cliConfig),
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		apiCallLogEnv+"="+filepath.Join(a.dir, step+".calls"),
		processLogEnv+"="+filepath.Join(a.dir, step+".proc"),
	), a.extraEnv...)
}

func (a *providerArm) calls(step string, n int) callStats {
	ops, err := readCallLog(filepath.Join(a.dir, step+".calls"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: reading API call log:", err)
	}
	return summarize(ops, n)
}

// checkDriftPlan asserts the saved plan adds exactly the removed workspace
// and leaves every other one alone.
func (a *providerArm) checkDriftPlan(ctx context.Context, removed string) error {
	cmd := exec.CommandContext(ctx, a.s.opts.terraform, "show", "-json", "drift.tfplan")
	cmd.Dir = a.dir
	cmd.Env = a.env("show")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("terraform show -json: %v: %s", err, stderr.String())
	}
	actions, err := acctest.ParsePlanActions(raw)
	if err != nil {
		return fmt.Errorf("the drift plan: %w", err)
	}
	want := fmt.Sprintf("molecule_workspace.fleet[%q]", removed)
	var changes []string
	for address, action := range actions {
		if action != "no-op" {
			changes = append(changes, address+" "+action)
		}
	}
	if len(changes) != 1 || changes[0] != want+" create" {
		return fmt.Errorf("drift plan: want exactly %s create, got %v", want, changes)
	}
	return nil
}

// processes reads the lines (peak RSS KiB, CPU ms) the provider processes
// of one step ("*" for every step) wrote as they ended.
func (a *providerArm) processes(step string) (rssKB, cpuMS []int64) {
	files, _ := filepath.Glob(filepath.Join(a.dir, step+".proc"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var kb, ms int64
			if n, _ := fmt.Sscan(line, &kb, &ms); n >= 1 {
				rssKB, cpuMS = append(rssKB, kb), append(cpuMS, ms)
			}
		}
	}
	return rssKB, cpuMS
}

func (a *providerArm) peakRSS() int64 {
	rss, _ := a.processes("*")
	var peak int64
	for _, kb := range rss {
		peak = max(peak, kb)
	}
	return peak
}

// cpuSeconds is the CPU time of every provider process of a step, over
// repeats (the step's runs).
func (a *providerArm) cpuSeconds(step string, repeats int) float64 {
	_, cpu := a.processes(step)
	var total int64
	for _, ms := range cpu {
		total += ms
	}
	return float64(total) / 1000 / float64(max(repeats, 1))
}

// tail returns a file's last lines, for error messages.
func tail(file string, lines int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return "(no output: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "  " + strings.Join(all, "\n  ")
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kubeFleetConfig is the Kubernetes provider arm's configuration: the
// fleet of fleetConfig on the cluster, in the session's namespace, with the
// small requests of kubeWorkspaceSpec.
const kubeFleetConfig = `terraform {
  required_providers {
    molecule = { source = "molecule-ai/molecule" }
  }
}

variable "kubeconfig" { type = string }
variable "namespace" { type = string }
variable "config_init_image" { type = string }
variable "storage_class" { type = string }
variable "image" { type = string }
variable "memory_mb" { type = number }
variable "cpus" { type = number }
variable "workspaces" { type = map(string) }

provider "molecule" {
  runtime_images = { langgraph = var.image }
  kubernetes {
    config_path       = var.kubeconfig
    namespace         = var.namespace
    config_init_image = var.config_init_image
    storage_class     = var.storage_class
  }
}

resource "molecule_workspace" "fleet" {
  for_each     = var.workspaces
  workspace_id = each.key
  memory_mb    = var.memory_mb
  cpus         = var.cpus
  config_files = { "config.yaml" = each.value }
}
`

// kubeProviderArm is the provider arm on the cluster: apply, no-change
// plans (with and without refresh), destroy. Its Kubernetes API calls are
// counted when the provider writes them to its API call log.
type kubeProviderArm struct {
	providerArm
}

func newKubeProviderArm(s *session) *kubeProviderArm {
	return &kubeProviderArm{providerArm{s: s}}
}

func (a *kubeProviderArm) run(ctx context.Context, ids []string, m *measurement) error {
	a.dir = filepath.Join(a.s.workdir, m.IDPrefix)
	if err := a.writeConfig(ids); err != nil {
		return err
	}
	defer func() { m.PeakRSSKB = a.peakRSS() }()
	m.Calls = map[string]callStats{}
	n, par := len(ids), fmt.Sprintf("-parallelism=%d", a.s.opts.parallelism)

	var err error
	m.CreateS, err = timed(func() error { return a.terraform(ctx, "apply", 0, "apply", "-auto-approve", par) })
	m.Calls["create"] = a.kubeCalls("apply", n, otherStep)
	m.ProviderCPUS = map[string]float64{"create": a.cpuSeconds("apply", 1)}
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if err := a.s.kube.checkServing(ctx, ids, a.s.opts.parallelism); err != nil {
		return fmt.Errorf("after apply: %w", err)
	}
	m.StateBytesPerWS = stateBytesPerWorkspace(a.dir, n)

	m.PlanSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan", 0, "plan", "-detailed-exitcode", par)
	})
	m.Calls["refresh"] = a.kubeCalls("plan", n*len(m.PlanSamplesS), refreshStep)
	m.ProviderCPUS["plan"] = a.cpuSeconds("plan", len(m.PlanSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]
	m.PlanNoRefreshSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan-no-refresh", 0, "plan", "-refresh=false", "-detailed-exitcode", par)
	})
	m.Calls["plan-no-refresh"] = a.kubeCalls("plan-no-refresh", n*len(m.PlanNoRefreshSamplesS), refreshStep)
	m.ProviderCPUS["plan-no-refresh"] = a.cpuSeconds("plan-no-refresh", len(m.PlanNoRefreshSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan -refresh=false: %w", err)
	}

	m.DestroyS, err = timed(func() error { return a.terraform(ctx, "destroy", 0, "destroy", "-auto-approve", par) })
	m.Calls["destroy"] = a.kubeCalls("destroy", n, otherStep)
	m.ProviderCPUS["destroy"] = a.cpuSeconds("destroy", 1)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return a.s.checkNothingLeftKube(ctx, m.IDPrefix)
}

func (a *kubeProviderArm) writeConfig(ids []string) error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	workspaces := map[string]string{}
	for _, id := range ids {
		workspaces[id] = configYAML(id)
	}
	vars, err := json.MarshalIndent(map[string]any{
		"kubeconfig": a.s.opts.kubeconfig, "namespace": a.s.kube.namespace, "config_init_image": a.s.opts.configInitImage, "storage_class": a.s.kube.storageClass,
		"image": a.s.opts.image, "memory_mb": kubeMemoryMB, "cpus": kubeCPUs, "workspaces": workspaces,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "main.tf"), []byte(kubeFleetConfig), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(a.dir, "terraform.tfvars.json"), vars, 0o644)
}

// kubeCalls reads the provider's API call log of a step as Kubernetes
// operations (none when the provider does not log its Kubernetes calls).
func (a *kubeProviderArm) kubeCalls(step string, n int, kind stepKind) callStats {
	// readCallLog's Docker naming leaves Kubernetes paths as they are.
	lines, err := readCallLog(filepath.Join(a.dir, step+".calls"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: reading API call log:", err)
	}
	ops := make([]string, 0, len(lines))
	for _, l := range lines {
		method, path, _ := strings.Cut(l, " ")
		ops = append(ops, kubeOperation(method, path, false))
	}
	return summarizeKube(ops, n, kind)
}

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

// armFloor is Terraform's own floor: the same for_each over the same map,
// of built-in terraform_data resources, so a plan of it costs what Terraform
// core costs for N resources with no provider and no engine behind them.
const armFloor = "terraform_data"

const floorConfig = `variable "workspaces" { type = map(string) }

resource "terraform_data" "fleet" {
  for_each = var.workspaces
  input    = each.value
}
`

// armSizedFloor is the same floor with each resource carrying as many bytes
// of state as a workspace of the provider arm (padTo). Terraform's local
// backend rewrites the whole state file after every resource it creates or
// destroys, so its own share of an apply or destroy grows with N times the
// state per resource: this arm measures that share for state the size of
// ours. It runs once per fleet size (the first run), as it only reports.
const armSizedFloor = "terraform_data_sized"

const sizedFloorConfig = `variable "workspaces" { type = map(string) }
variable "pad" { type = string }

resource "terraform_data" "fleet" {
  for_each = var.workspaces
  input    = "${each.value}${var.pad}"
}
`

// floorStateOverhead is the state a terraform_data instance of floorConfig
// takes besides the two copies (input and output) of its value, in bytes
// (Terraform 1.11, ids of this bench): what padding leaves aside.
const floorStateOverhead = 485

// defaultWorkspaceStateBytes is what the sized floor pads to when no
// provider arm measured its state at that fleet size in this session.
const defaultWorkspaceStateBytes = 2800

// floorArm applies N terraform_data resources, times the same no-change
// plans the provider arm makes, and destroys them: its apply and destroy
// are Terraform's own share of the provider arm's create and destroy
// (without the provider's starts and RPCs).
type floorArm struct {
	providerArm
	// padTo is the state per resource to pad each value to, in bytes; 0
	// keeps floorConfig as it is.
	padTo float64
}

func newFloorArm(s *session) *floorArm { return &floorArm{providerArm: providerArm{s: s}} }

func newSizedFloorArm(s *session, padTo float64) *floorArm {
	return &floorArm{providerArm: providerArm{s: s}, padTo: padTo}
}

// padding is the string appended to every value so that a resource's state
// (input and output both hold value+pad, JSON-escaped) comes to padTo.
func padding(padTo float64, values map[string]string) string {
	longest := 0
	for _, v := range values {
		b, _ := json.Marshal(v)
		longest = max(longest, len(b))
	}
	n := (int(padTo) - floorStateOverhead - 2*longest) / 2
	if n <= 0 {
		return ""
	}
	return strings.Repeat("x", n)
}

func (a *floorArm) run(ctx context.Context, ids []string, m *measurement) error {
	a.dir = filepath.Join(a.s.workdir, m.IDPrefix)
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	workspaces := map[string]string{}
	for _, id := range ids {
		workspaces[id] = configYAML(id)
	}
	varsMap, config, repeats := map[string]any{"workspaces": workspaces}, floorConfig, a.s.opts.planRepeats
	if a.padTo > 0 {
		varsMap["pad"], config, repeats = padding(a.padTo, workspaces), sizedFloorConfig, 1
	}
	vars, err := json.Marshal(varsMap)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "main.tf"), []byte(config), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "terraform.tfvars.json"), vars, 0o644); err != nil {
		return err
	}
	par := fmt.Sprintf("-parallelism=%d", a.s.opts.parallelism)
	m.CreateS, err = timed(func() error { return a.terraform(ctx, "apply", 0, "apply", "-auto-approve", par) })
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	m.StateBytesPerWS = stateBytesPerWorkspace(a.dir, len(ids))
	m.PlanSamplesS, err = timedRepeats(repeats, func() error {
		return a.terraform(ctx, "plan", 0, "plan", "-detailed-exitcode", par)
	})
	if err != nil {
		return fmt.Errorf("no-change plan: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]
	m.DestroyS, err = timed(func() error { return a.terraform(ctx, "destroy", 0, "destroy", "-auto-approve", par) })
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return nil
}

// stateBytesPerWorkspace is the size of the local state file over N (0 when
// it cannot be read).
func stateBytesPerWorkspace(dir string, n int) float64 {
	fi, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
	if err != nil || n == 0 {
		return 0
	}
	return float64(fi.Size()) / float64(n)
}

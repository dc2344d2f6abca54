// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// floorArm applies N terraform_data resources, times the same no-change
// plans the provider arm makes, and destroys them: its apply and destroy
// are Terraform's own share of the provider arm's create and destroy
// (without the provider's starts and RPCs).
type floorArm struct {
	providerArm
}

func newFloorArm(s *session) *floorArm { return &floorArm{providerArm{s: s}} }

func (a *floorArm) run(ctx context.Context, ids []string, m *measurement) error {
	a.dir = filepath.Join(a.s.workdir, m.IDPrefix)
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	workspaces := map[string]string{}
	for _, id := range ids {
		workspaces[id] = configYAML(id)
	}
	vars, err := json.Marshal(map[string]any{"workspaces": workspaces})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "main.tf"), []byte(floorConfig), 0o644); err != nil {
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
	m.PlanSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
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

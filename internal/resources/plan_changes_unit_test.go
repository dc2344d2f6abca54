// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// What cannot change in place plans a replacement naming the attribute
// (and the computed values that follow it); the apply makes a new container.
func TestPlanChange_replaces(t *testing.T) {
	hostDir := t.TempDir()
	for _, tt := range []struct {
		name          string
		before, after []string
		because       []string
	}{
		{name: "tier", before: nil, after: []string{"tier = 3"},
			because: []string{"tier", "isolation"}},
		{name: "runtime", before: nil, after: []string{`runtime = "claude-code"`},
			because: []string{"runtime", "image", "image_id", "image_digest"}},
		{name: "image", before: nil, after: []string{`image = "my-build:dev"`},
			because: []string{"image", "image_id", "image_digest"}},
		{name: "env", before: []string{`env = { A = "1" }`}, after: []string{`env = { A = "2" }`},
			because: []string{"env"}},
		{name: "workspace_access", before: []string{fmt.Sprintf("workspace_path = %q", hostDir), `workspace_access = "none"`},
			after:   []string{fmt.Sprintf("workspace_path = %q", hostDir), `workspace_access = "read_only"`},
			because: []string{"workspace_access", "workspace_volume"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newUnitFake(workspace.ClaudeCodeRuntime)
			b.AddImage("my-build:dev", "")
			id := "unitrepl" + tt.name
			cfg := func(lines []string) string {
				return unitProvider("allow_privileged_tiers = true") + workspaceHCL("test", id, append([]string{configYAMLLine(id)}, lines...)...)
			}
			var before string
			runUnit(t, b,
				resource.TestStep{Config: cfg(tt.before), Check: rememberContainer(b, id, &before)},
				resource.TestStep{
					Config: cfg(tt.after),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						expectReplacedBecauseOf(unitAddr, tt.because...),
					}},
					Check: expectContainerKept(b, id, &before, false),
				},
			)
		})
	}
}

// Limits, config files and the running state change in place, in the
// same container.
func TestPlanChange_inPlace(t *testing.T) {
	for _, tt := range []struct {
		name  string
		after []string
		check func(fakebackend.Workspace) error
	}{
		{name: "memory", after: []string{"memory_mb = 256"}, check: func(ws fakebackend.Workspace) error {
			if ws.MemoryMB != 256 {
				return fmt.Errorf("memory %d MiB, want 256", ws.MemoryMB)
			}
			return nil
		}},
		{name: "cpus", after: []string{"cpus = 0.5"}, check: func(ws fakebackend.Workspace) error {
			if ws.CPUs != 0.5 {
				return fmt.Errorf("cpus %g, want 0.5", ws.CPUs)
			}
			return nil
		}},
		{name: "config_files", after: []string{`config_files = { "config.yaml" = "name: changed\n", "extra.json" = "{}" }`}, check: func(ws fakebackend.Workspace) error {
			if ws.Files["config.yaml"] != workspace.HashContent([]byte("name: changed\n")) || ws.Files["extra.json"] != workspace.HashContent([]byte("{}")) {
				return fmt.Errorf("files %v", ws.Files)
			}
			return nil
		}},
		{name: "running", after: []string{"running = false"}, check: func(ws fakebackend.Workspace) error {
			if ws.Status != workspace.StatusExited {
				return fmt.Errorf("status %s, want %s", ws.Status, workspace.StatusExited)
			}
			return nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newUnitFake()
			id := "unitinplace" + tt.name
			var before string
			after := unitProvider() + workspaceHCL("test", id, tt.after...)
			if tt.name != "config_files" {
				after = unitConfig(id, tt.after...)
			}
			runUnit(t, b,
				resource.TestStep{Config: unitConfig(id), Check: rememberContainer(b, id, &before)},
				resource.TestStep{
					PreConfig: b.ResetCalls,
					Config:    after,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(unitAddr, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						expectContainerKept(b, id, &before, true),
						checkFake(b, id, tt.check),
						expectCalls(b, "Update", 1),
					),
				},
			)
		})
	}
}

// expectCalls checks how many calls of method b received since its calls
// were reset.
func expectCalls(b *fakebackend.Backend, method string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := b.CallsOf(method); len(got) != want {
			return fmt.Errorf("%d %s calls, want %d: %v", len(got), method, want, got)
		}
		return nil
	}
}

// Explicit limits in the configuration win over the tier's, and a tier
// change keeps them.
func TestPlanChange_explicitLimitsSurviveTierChange(t *testing.T) {
	b := newUnitFake()
	id := "unitlimitstier"
	runUnit(t, b,
		resource.TestStep{Config: unitConfig(id, "memory_mb = 300", "cpus = 0.25")},
		resource.TestStep{
			Config: unitProvider("allow_privileged_tiers = true") + workspaceHCL("test", id, configYAMLLine(id), "memory_mb = 300", "cpus = 0.25", "tier = 3"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(unitAddr, plancheck.ResourceActionReplace),
				expectPlanned("memory_mb", knownvalue.Int64Exact(300)),
				expectPlanned("cpus", knownvalue.Float64Exact(0.25)),
			}},
		},
	)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func expectPlanned(attr string, v knownvalue.Check) plancheck.PlanCheck {
	return plancheck.ExpectKnownValue(unitAddr, tfjsonpath.New(attr), v)
}

// A create plans every value it can know before the apply: the tier's
// limits, names, internal_url, the image from the runtime under
// image_registry and its ID and digest from the backend; the container's
// own values stay unknown. The apply then makes exactly that.
func TestPlanCreate_plannedValues(t *testing.T) {
	b := newUnitFake()
	id := "unitcreate0001"
	digest := fakebackend.Digest(workspace.DefaultRuntime + " v1")
	imageID := b.AddImage(unitImage(workspace.DefaultRuntime), digest)
	limits := workspace.TierDefaults(workspace.DefaultTier)
	runUnit(t, b, resource.TestStep{
		Config: unitConfig(id),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(unitAddr, plancheck.ResourceActionCreate),
			expectPlanned("id", knownvalue.StringExact(id)),
			expectPlanned("name", knownvalue.StringExact(id)),
			expectPlanned("runtime", knownvalue.StringExact(workspace.DefaultRuntime)),
			expectPlanned("tier", knownvalue.Int64Exact(workspace.DefaultTier)),
			expectPlanned("memory_mb", knownvalue.Int64Exact(limits.MemoryMB)),
			expectPlanned("cpus", knownvalue.Float64Exact(limits.CPUs)),
			expectPlanned("image", knownvalue.StringExact(unitImage(workspace.DefaultRuntime))),
			expectPlanned("image_id", knownvalue.StringExact(imageID)),
			expectPlanned("image_digest", knownvalue.StringExact(digest)),
			expectPlanned("container_name", knownvalue.StringExact("ws-unitcreate00")),
			expectPlanned("internal_url", knownvalue.StringExact("http://ws-unitcreate00:8000")),
			expectPlanned("config_volume", knownvalue.StringExact("ws-unitcreate00-configs")),
			expectPlanned("workspace_volume", knownvalue.StringExact("ws-unitcreate00-workspace")),
			expectPlanned("workspace_access", knownvalue.StringExact(workspace.AccessNone)),
			expectPlanned("network", knownvalue.StringExact(unitNetwork)),
			expectPlanned("isolation", knownvalue.StringExact(b.Isolation(workspace.WorkspaceSpec{Tier: workspace.DefaultTier, Network: unitNetwork}))),
			expectPlanned("running", knownvalue.Bool(true)),
			expectPlanned("config_sha256", knownvalue.MapExact(map[string]knownvalue.Check{
				"config.yaml": knownvalue.StringExact(workspace.HashContent([]byte(minimalConfig(id)))),
			})),
			plancheck.ExpectUnknownValue(unitAddr, tfjsonpath.New("container_id")),
			plancheck.ExpectUnknownValue(unitAddr, tfjsonpath.New("status")),
			plancheck.ExpectUnknownValue(unitAddr, tfjsonpath.New("host_url")),
		}},
		Check: resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttr(unitAddr, "status", workspace.StatusRunning),
			resource.TestCheckResourceAttrSet(unitAddr, "container_id"),
			checkFake(b, id, func(ws fakebackend.Workspace) error {
				if ws.Status != workspace.StatusRunning || ws.MemoryMB != limits.MemoryMB || ws.CPUs != limits.CPUs || ws.ImageID != imageID {
					return fmt.Errorf("made %+v", ws)
				}
				return nil
			}),
		),
	})
}

// The tier decides the default limits (the CPU default capped at the
// backend's CPU count) and whether there is a /workspace volume.
func TestPlanCreate_tierDefaults(t *testing.T) {
	for _, tt := range []struct {
		tier               int
		hostCPUs           int
		wantCPUs           float64
		hasWorkspaceVolume bool
	}{
		{tier: 1, hostCPUs: 4, wantCPUs: 1},
		{tier: 3, hostCPUs: 4, wantCPUs: 2, hasWorkspaceVolume: true},
		{tier: 3, hostCPUs: 1, wantCPUs: 1, hasWorkspaceVolume: true}, // capped at the host's CPUs
	} {
		t.Run(fmt.Sprintf("tier%d_%dcpus", tt.tier, tt.hostCPUs), func(t *testing.T) {
			b := newUnitFake()
			b.SetCPUCount(tt.hostCPUs)
			id := fmt.Sprintf("unittier%dcpu%d", tt.tier, tt.hostCPUs)
			volume := ""
			if tt.hasWorkspaceVolume {
				volume = workspace.WorkspaceVolumeName(id)
			}
			runUnit(t, b, resource.TestStep{
				Config: unitProvider("allow_privileged_tiers = true") +
					workspaceHCL("test", id, configYAMLLine(id), fmt.Sprintf("tier = %d", tt.tier)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPlanned("memory_mb", knownvalue.Int64Exact(workspace.TierDefaults(tt.tier).MemoryMB)),
					expectPlanned("cpus", knownvalue.Float64Exact(tt.wantCPUs)),
					expectPlanned("workspace_volume", knownvalue.StringExact(volume)),
				}},
				Check: checkFake(b, id, func(ws fakebackend.Workspace) error {
					if ws.MemoryMB != workspace.TierDefaults(tt.tier).MemoryMB || ws.CPUs != tt.wantCPUs {
						return fmt.Errorf("limits %d MiB %g CPU", ws.MemoryMB, ws.CPUs)
					}
					return nil
				}),
			})
		})
	}
}

// An explicit image wins over the runtime's; runtime_images wins over the
// image_registry table.
func TestPlanCreate_imageSources(t *testing.T) {
	b := newUnitFake()
	b.AddImage("my-build:dev", "")
	b.AddImage("override/claude:1", "")
	runUnit(t, b, resource.TestStep{
		Config: unitProvider(`runtime_images = { "claude-code" = "override/claude:1" }`) +
			workspaceHCL("explicit", "unitimgexplicit", configYAMLLine("a"), `image = "my-build:dev"`) +
			workspaceHCL("override", "unitimgoverride", configYAMLLine("b"), `runtime = "claude-code"`),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectKnownValue("molecule_workspace.explicit", tfjsonpath.New("image"), knownvalue.StringExact("my-build:dev")),
			plancheck.ExpectKnownValue("molecule_workspace.explicit", tfjsonpath.New("image_digest"), knownvalue.StringExact("")),
			plancheck.ExpectKnownValue("molecule_workspace.override", tfjsonpath.New("image"), knownvalue.StringExact("override/claude:1")),
		}},
	})
}

// minimalConfig is the config.yaml configYAMLLine writes.
func minimalConfig(name string) string {
	return fmt.Sprintf("name: %s\ndescription: acceptance test\nversion: 1.0.0\ntier: 2\nruntime: langgraph\nmodel: none\n", name)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The data sources read through the backend: molecule_workspaces lists by
// label (one List call, whatever the fleet), molecule_workspace inspects one.
func TestPlanDataSources_readTheBackend(t *testing.T) {
	b := newUnitFake()
	workspaces := unitProvider() +
		workspaceHCL("a", "unitdsa", configYAMLLine("a"), "tier = 1", `labels = { team = "x" }`) +
		workspaceHCL("b", "unitdsb", configYAMLLine("b"), `labels = { team = "y" }`)
	dataSources := workspaces + `
data "molecule_workspaces" "team_x" {
  labels     = { team = "x" }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}
data "molecule_workspace" "b" {
  workspace_id = molecule_workspace.b.workspace_id
}
`
	runUnit(t, b,
		resource.TestStep{Config: workspaces},
		resource.TestStep{
			Config: dataSources,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "ids.#", "1"),
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "ids.0", "unitdsa"),
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "workspaces.0.tier", "1"),
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "workspaces.0.workspace_volume", ""),
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "detached_volumes.#", "0"),
				resource.TestCheckResourceAttr("data.molecule_workspace.b", "memory_mb", strconv.FormatInt(workspace.TierDefaults(2).MemoryMB, 10)),
				resource.TestCheckResourceAttr("data.molecule_workspace.b", "internal_url", workspace.InternalURL("unitdsb")),
				resource.TestCheckResourceAttr("data.molecule_workspace.b", "status", workspace.StatusRunning),
				resource.TestCheckResourceAttrPair("data.molecule_workspace.b", "container_id", "molecule_workspace.b", "container_id"),
				resource.TestCheckResourceAttr("data.molecule_workspace.b", "image_digest", fakebackend.Digest(workspace.DefaultRuntime+" v1")),
				resource.TestCheckResourceAttr("data.molecule_workspaces.team_x", "workspaces.0.image_digest", fakebackend.Digest(workspace.DefaultRuntime+" v1")),
			),
		},
	)
}

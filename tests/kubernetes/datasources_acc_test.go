// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Both data sources read the cluster: molecule_workspace inspects one
// workspace (status, limits, tier, Service address), molecule_workspaces
// lists those carrying a label, and the stopped one reads as not running.
func TestAccKubernetesDataSources_readTheCluster(t *testing.T) {
	b := newBackend(t)
	first, second := acctest.RandomID("ds-one"), acctest.RandomID("ds-two")
	workspaces := fmt.Sprintf(`
resource "molecule_workspace" "one" {
  workspace_id = %[1]q
  tier         = 1
  memory_mb    = 256
  cpus         = 0.25
  config_files = { "config.yaml" = %[3]q }
  labels       = { team = %[5]q }
}
resource "molecule_workspace" "two" {
  workspace_id = %[2]q
  memory_mb    = 256
  cpus         = 0.25
  running      = false
  config_files = { "config.yaml" = %[4]q }
  labels       = { team = %[5]q }
}
`, first, second, acctest.MinimalConfigYAML(first), acctest.MinimalConfigYAML(second), b.ns)
	reads := `
data "molecule_workspace" "one" {
  workspace_id = molecule_workspace.one.workspace_id
}
data "molecule_workspaces" "team" {
  labels     = { team = "` + b.ns + `" }
  depends_on = [molecule_workspace.one, molecule_workspace.two]
}
`
	const one, team = "data.molecule_workspace.one", "data.molecule_workspaces.team"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkNothingLeft(t, b),
		Steps: []resource.TestStep{
			{Config: providerConfig(b.ns) + workspaces},
			{
				Config: providerConfig(b.ns) + workspaces + reads,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(one, "status", "running"),
					resource.TestCheckResourceAttr(one, "running", "true"),
					resource.TestCheckResourceAttr(one, "tier", "1"),
					resource.TestCheckResourceAttr(one, "memory_mb", "256"),
					resource.TestCheckResourceAttr(one, "cpus", "0.25"),
					resource.TestCheckResourceAttr(one, "network", backend.PodNetwork),
					resource.TestCheckResourceAttr(one, "container_name", workspace.ContainerName(first)),
					resource.TestCheckResourceAttr(one, "internal_url", fmt.Sprintf("http://%s.%s.svc:%d", workspace.ContainerName(first), b.ns, agentPort)),
					resource.TestCheckResourceAttr(one, "labels.team", b.ns),
					resource.TestCheckResourceAttr(team, "ids.#", "2"),
					resource.TestCheckResourceAttr(team, "workspaces.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(team, "workspaces.*", map[string]string{
						"workspace_id": first, "running": "true", "tier": "1"}),
					resource.TestCheckTypeSetElemNestedAttrs(team, "workspaces.*", map[string]string{
						"workspace_id": second, "running": "false", "tier": "2"}),
				),
			},
		},
	})
}

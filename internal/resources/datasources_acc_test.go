// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Two workspaces tagged with a label unique to this run, looked up one by
// one and listed with each filter; a volume of ours that no container uses
// shows in detached_volumes. Values are checked against Docker itself.
func TestAccDataSources_workspaceLookupAndList(t *testing.T) {
	idA := acctest.RandomID("dsa")
	idB := acctest.RandomID("dsb")
	orphanID := acctest.RandomID("dsorphan")
	run := strings.TrimPrefix(idA, acctest.IDPrefix)[:7]
	cli := acctest.Docker(t)

	// A config volume whose workspace has no container: what keep_volumes leaves.
	orphanVolume := workspace.ConfigVolumeName(orphanID)
	if _, err := cli.VolumeCreate(context.Background(), volume.CreateOptions{
		Name: orphanVolume, Labels: workspace.OwnershipLabels(orphanID, workspace.RoleConfigVolume),
	}); err != nil {
		t.Fatalf("creating orphan volume: %v", err)
	}
	t.Cleanup(func() { _ = cli.VolumeRemove(context.Background(), orphanVolume, true) })

	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "a" {
  workspace_id = %[1]q
  runtime      = "langgraph"
  tier         = 2
  labels       = { "tfacc.run" = %[3]q }
  config_files = { "config.yaml" = %[4]q }
}

resource "molecule_workspace" "b" {
  workspace_id = %[2]q
  runtime      = "crewai"
  tier         = 1
  labels       = { "tfacc.run" = %[3]q, "team" = "research" }
  config_files = { "config.yaml" = %[4]q }
}

data "molecule_workspace" "a" {
  workspace_id = molecule_workspace.a.workspace_id
}

data "molecule_workspaces" "run" {
  labels     = { "tfacc.run" = %[3]q }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}

data "molecule_workspaces" "crewai" {
  runtime    = "crewai"
  labels     = { "tfacc.run" = %[3]q }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}

data "molecule_workspaces" "tier2" {
  tier       = 2
  labels     = { "tfacc.run" = %[3]q }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}

data "molecule_workspaces" "team" {
  labels     = { "tfacc.run" = %[3]q, "team" = "research" }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}

data "molecule_workspaces" "exited" {
  status     = "exited"
  labels     = { "tfacc.run" = %[3]q }
  depends_on = [molecule_workspace.a, molecule_workspace.b]
}
`, idA, idB, run, acctest.MinimalConfigYAML("ds"))

	ids := func(want ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(want))
		for i, id := range want {
			checks[i] = knownvalue.StringExact(id)
		}
		return knownvalue.ListExact(checks)
	}
	sorted := []string{idA, idB}
	if idB < idA {
		sorted = []string{idB, idA}
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, idA, idB),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("status"), knownvalue.StringExact("running")),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("runtime"), knownvalue.StringExact("langgraph")),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("image"), knownvalue.StringExact(acctest.StandinImage("langgraph"))),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("workspace_access"), knownvalue.StringExact("none")),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("workspace_volume"), knownvalue.StringExact(workspace.WorkspaceVolumeName(idA))),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("config_volume"), knownvalue.StringExact(workspace.ConfigVolumeName(idA))),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("internal_url"), knownvalue.StringExact(workspace.InternalURL(idA))),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(512)),
				statecheck.ExpectKnownValue("data.molecule_workspace.a", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"tfacc.run": knownvalue.StringExact(run)})),

				statecheck.ExpectKnownValue("data.molecule_workspaces.run", tfjsonpath.New("ids"), ids(sorted...)),
				statecheck.ExpectKnownValue("data.molecule_workspaces.crewai", tfjsonpath.New("ids"), ids(idB)),
				statecheck.ExpectKnownValue("data.molecule_workspaces.tier2", tfjsonpath.New("ids"), ids(idA)),
				statecheck.ExpectKnownValue("data.molecule_workspaces.team", tfjsonpath.New("ids"), ids(idB)),
				statecheck.ExpectKnownValue("data.molecule_workspaces.exited", tfjsonpath.New("ids"), ids()),
				statecheck.ExpectKnownValue("data.molecule_workspaces.crewai", tfjsonpath.New("workspaces").AtSliceIndex(0).AtMapKey("tier"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue("data.molecule_workspaces.crewai", tfjsonpath.New("workspaces").AtSliceIndex(0).AtMapKey("workspace_volume"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue("data.molecule_workspaces.crewai", tfjsonpath.New("workspaces").AtSliceIndex(0).AtMapKey("container_name"), knownvalue.StringExact(workspace.ContainerName(idB))),
			},
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckTypeSetElemNestedAttrs("data.molecule_workspaces.run", "detached_volumes.*", map[string]string{
					"name": orphanVolume, "workspace_id": orphanID, "role": workspace.RoleConfigVolume,
				}),
				checkMatchesDocker(cli, "data.molecule_workspace.a", "container_id", "host_url", idA),
				checkMatchesDocker(cli, "data.molecule_workspaces.crewai", "workspaces.0.container_id", "workspaces.0.host_url", idB),
			),
		}},
	})
}

// checkMatchesDocker compares a data source's container id with Docker's and
// fetches the agent card from its host URL.
func checkMatchesDocker(cli *client.Client, addr, idAttr, urlAttr, workspaceID string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		info, err := cli.ContainerInspect(context.Background(), workspace.ContainerName(workspaceID))
		if err != nil {
			return fmt.Errorf("inspecting %s: %w", workspaceID, err)
		}
		if got := rs.Primary.Attributes[idAttr]; got != info.ID {
			return fmt.Errorf("%s.%s = %q, Docker says %q", addr, idAttr, got, info.ID)
		}
		url := rs.Primary.Attributes[urlAttr]
		code, body, err := acctest.HTTPGet(url + "/.well-known/agent-card.json")
		if err != nil || code != 200 || !strings.Contains(body, "name") {
			return fmt.Errorf("agent card at %s: status %d, err %v, body %.100q", url, code, err, body)
		}
		return nil
	}
}

// Looking up a workspace that does not exist fails, naming the container it
// looked for; so does one whose container is not this provider's.
func TestAccDataSources_workspaceNotFound(t *testing.T) {
	missing := acctest.RandomID("dsnone")
	foreign := acctest.RandomID("dsforeign")
	cli := acctest.Docker(t)
	acctest.PreCheck(t)
	// A container holding the workspace's name without our labels.
	created, err := cli.ContainerCreate(context.Background(), &container.Config{Image: acctest.StandinImage("langgraph")}, nil, nil, nil, workspace.ContainerName(foreign))
	if err != nil {
		t.Fatalf("creating foreign container: %v", err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	})
	// One the platform made: named as the platform's, with the way to adopt it.
	platformMade := acctest.RandomID("dsplatform")
	platformContainer, err := cli.ContainerCreate(context.Background(), &container.Config{Image: acctest.StandinImage("langgraph"),
		Labels: map[string]string{workspace.LabelPlatformManaged: "true"}}, nil, nil, nil, workspace.ContainerName(platformMade))
	if err != nil {
		t.Fatalf("creating the platform's container: %v", err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), platformContainer.ID, container.RemoveOptions{Force: true})
	})

	lookup := func(id string) string {
		return acctest.ProviderConfig() + fmt.Sprintf("data \"molecule_workspace\" \"x\" {\n  workspace_id = %q\n}\n", id)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: lookup(missing), ExpectError: acctest.MessageRegexp("Workspace not found", workspace.ContainerName(missing))},
			{Config: lookup(foreign), ExpectError: acctest.MessageRegexp("Workspace not found", "is not managed by this provider", "taken by a container this provider does not manage")},
			{Config: lookup(platformMade), ExpectError: acctest.MessageRegexp("Workspace not found", "belongs to the Molecule platform", `"platform:`+platformMade+`"`)},
		},
	})
	// The foreign and the platform's containers are untouched.
	for _, id := range []string{created.ID, platformContainer.ID} {
		if _, err := cli.ContainerInspect(context.Background(), id); err != nil {
			t.Errorf("container %.12s: %v", id, err)
		}
	}
}

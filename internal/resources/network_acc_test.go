// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// expectNetworkGone is a CheckDestroy part: the network no longer exists.
func expectNetworkGone(cli *client.Client, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := cli.NetworkInspect(context.Background(), name, network.InspectOptions{})
		if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("network %s still exists after destroy (err %v)", name, err)
		}
		return nil
	}
}

// A molecule_network is created with our labels, a workspace joins it by
// reference (with its alias), import reads it back, and destroy removes the
// workspace and then the network.
func TestAccNetwork_lifecycle(t *testing.T) {
	name := acctest.RandomID("net")
	id := acctest.RandomID("onnet")
	cli := acctest.Docker(t)
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_network" "fleet" {
  name   = %q
  labels = { team = "research" }
}
`, name) + workspaceHCL("test", id, configYAMLLine("onnet"), "network = molecule_network.fleet.name")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			acctest.CheckNothingLeft(cli, id),
			expectNetworkGone(cli, name),
		),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("molecule_network.fleet", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionCreate),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						n, err := cli.NetworkInspect(context.Background(), name, network.InspectOptions{})
						switch {
						case err != nil:
							return err
						case n.Driver != "bridge" || n.Internal:
							return fmt.Errorf("network driver %q internal %t", n.Driver, n.Internal)
						case !workspace.IsOwned(n.Labels, "") || n.Labels[workspace.LabelRole] != workspace.RoleNetwork || n.Labels["team"] != "research":
							return fmt.Errorf("network labels %v", n.Labels)
						}
						return nil
					},
					checkContainer(cli, id, func(info container.InspectResponse) error {
						ep := info.NetworkSettings.Networks[name]
						if string(info.HostConfig.NetworkMode) != name || ep == nil || !slices.Contains(ep.Aliases, workspace.ContainerName(id)) {
							return fmt.Errorf("network mode %q, endpoint %+v: want %s with alias %s", info.HostConfig.NetworkMode, ep, name, workspace.ContainerName(id))
						}
						return nil
					}),
					expectAgentAnswers(cli, id, nil),
					resource.TestCheckResourceAttr("molecule_network.fleet", "managed", "true"),
					resource.TestCheckResourceAttr("molecule_network.fleet", "driver", "bridge"),
					resource.TestCheckResourceAttrPair("molecule_workspace.test", "network", "molecule_network.fleet", "name"),
				),
			},
			{
				ResourceName: "molecule_network.fleet", ImportState: true, ImportStateId: name,
				ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "name",
			},
		},
	})
}

// A network made outside Terraform without our labels can be imported; it
// reads as not managed, and destroy forgets it without removing it.
func TestAccNetwork_importForeign(t *testing.T) {
	name := acctest.RandomID("foreignnet")
	cli := acctest.Docker(t)
	netID := acctest.CreateForeignNetwork(t, cli, name)
	cfg := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_network\" \"imported\" {\n  name = %q\n}\n", name)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			n, err := cli.NetworkInspect(context.Background(), name, network.InspectOptions{})
			if err != nil || n.ID != netID {
				return fmt.Errorf("destroy removed a network the provider does not own (err %v)", err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg, ResourceName: "molecule_network.imported",
				ImportState: true, ImportStateId: name, ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d imported states", len(states))
					}
					a := states[0].Attributes
					if a["id"] != netID || a["managed"] != "false" || a["driver"] != "bridge" {
						return fmt.Errorf("imported attributes %v", a)
					}
					return nil
				},
			},
			{
				// The import matches the configuration: nothing to do.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_network.imported", plancheck.ResourceActionNoop)},
				},
			},
		},
	})
}

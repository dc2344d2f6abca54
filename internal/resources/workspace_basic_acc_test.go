// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

func TestAccWorkspace_basic(t *testing.T) {
	id := acctest.RandomID("basic")
	cli := acctest.Docker(t)
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "test" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("basic"))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("tier"), knownvalue.Int64Exact(2)),
				},
			},
			{
				ResourceName:                         "molecule_workspace.test",
				ImportState:                          true,
				ImportStateId:                        id,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore:              []string{"config_files", "timeouts"},
			},
		},
	})
}

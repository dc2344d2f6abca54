// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

// TestAccProvider_sshHost reaches the engine through ssh://, as for a remote
// host: the workspace is created, serves, and is destroyed over that channel.
func TestAccProvider_sshHost(t *testing.T) {
	acctest.PreCheck(t)
	srv := acctest.StartSSHServer(t)
	cli := acctest.Docker(t)
	id := acctest.RandomID("ssh")
	cfg := acctest.ProviderConfig(
		fmt.Sprintf(`host = "ssh://root@127.0.0.1:%d"`, srv.Port),
		fmt.Sprintf(`ssh_opts = ["-i", %q, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]`, srv.KeyPath),
	) + fmt.Sprintf(`
resource "molecule_workspace" "ssh" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("ssh"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(s *terraform.State) error {
				info, err := acctest.InspectContainer(cli, id)
				if err != nil {
					return fmt.Errorf("container made over ssh not found: %w", err)
				}
				if !info.State.Running {
					return fmt.Errorf("container %s is %s, want running", info.Name, info.State.Status)
				}
				url := s.RootModule().Resources["molecule_workspace.ssh"].Primary.Attributes["host_url"]
				code, body, err := acctest.HTTPGet(url + "/.well-known/agent-card.json")
				if err != nil || code != 200 {
					return fmt.Errorf("agent card over %s: %d %v %s", url, code, err, body)
				}
				return nil
			},
		}},
	})
}

// TestAccProvider_engineDown names the host when the engine does not answer.
func TestAccProvider_engineDown(t *testing.T) {
	acctest.PreCheck(t)
	cfg := acctest.ProviderConfig(`host = "unix:///tmp/molecule-no-engine-here.sock"`) + `
resource "molecule_workspace" "down" {
  workspace_id = "tfaccdown000-x"
  config_files = { "config.yaml" = "name: down\n" }
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: acctest.MessageRegexp("Docker engine at unix:///tmp/molecule-no-engine-here.sock does not answer"),
		}},
	})
}

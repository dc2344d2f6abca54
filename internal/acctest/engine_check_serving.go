// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"fmt"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// ExpectServing checks through Docker's port binding (not Terraform state)
// that the workspace's agent answers its agent card.
func ExpectServing(cli *client.Client, workspaceID string) func(*terraform.State) error {
	return func(*terraform.State) error {
		status, body, err := AgentGet(cli, workspaceID, "/.well-known/agent-card.json")
		if err != nil || status != 200 {
			return fmt.Errorf("workspace %s should serve its agent card: status %d, %v, %s", workspaceID, status, err, body)
		}
		return nil
	}
}

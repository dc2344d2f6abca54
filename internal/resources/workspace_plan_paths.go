// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// checkWorkspacePath checks the host directory bound at /workspace: it must
// exist and be a directory (checked when the engine runs on this machine),
// and without allow_privileged_tiers it must not hand the workspace the host
// (its root, a system directory, the Docker socket). On an existing
// workspace a vanished directory is reported as such: the container still
// binds the deleted directory and would lose what it writes.
func (p *planner) checkWorkspacePath() {
	m := p.plan
	if m.WorkspacePath.IsNull() || m.WorkspacePath.IsUnknown() || m.WorkspaceAccess.IsUnknown() ||
		!workspace.TierHasWorkspace(int(m.Tier.ValueInt64())) || m.WorkspaceAccess.ValueString() == workspace.AccessNone {
		return
	}
	dir := m.WorkspacePath.ValueString()
	engine := p.r.data.Backend
	if why := workspace.HostAccessViaPath(dir, engine.SocketPath()); why != "" && !p.r.data.AllowPrivilegedTiers {
		p.resp.Diagnostics.AddAttributeError(path.Root("workspace_path"), "Host path not allowed",
			fmt.Sprintf("workspace_path %s would give the workspace control of the host: %s. That is host access like tier %s's: set allow_privileged_tiers = true on the provider to permit it, or bind a project directory.", dir, why, tierList(workspace.Tier.UsesHostNetwork, "or")))
		return
	}
	if !engine.SeesHostFiles() {
		return // the directory lives on the engine's machine; Docker checks it at create
	}
	err := workspace.CheckWorkspaceDir(dir)
	if err == nil {
		return
	}
	if p.state != nil && p.state.WorkspacePath.ValueString() == dir {
		p.resp.Diagnostics.AddAttributeError(path.Root("workspace_path"), "Workspace directory gone",
			fmt.Sprintf("%s. It was there when workspace %s was created, so it was removed outside Terraform: container %s still binds the deleted directory, and what the agent writes there is lost. Restore or recreate the directory, then replace the workspace (terraform apply -replace=<this resource's address>) so it binds the directory again; or set workspace_path to another directory.",
				hostDirErrorDetail(err), m.WorkspaceID.ValueString(), workspace.ContainerName(m.WorkspaceID.ValueString())))
		return
	}
	p.resp.Diagnostics.AddAttributeError(path.Root("workspace_path"), "Unusable workspace directory", hostDirErrorDetail(err))
}

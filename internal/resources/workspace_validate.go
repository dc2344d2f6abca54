// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ValidateConfig runs the cross-attribute checks that need no engine and
// that the framework's validators cannot say: whether workspace_access needs
// workspace_path depends on its value, and whether the tier has a
// /workspace on the tier's. Attributes that simply come in pairs
// (awareness_url and awareness_namespace, secret_env_wo and its version)
// use AlsoRequires validators in the schema.
func (r *workspaceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Config.Schema, req.Config.Raw, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	access, accessKnown := knownString(cfg.WorkspaceAccess)
	pathValue, pathKnown := knownString(cfg.WorkspacePath)
	if accessKnown && pathKnown {
		if err := workspace.ValidateWorkspaceAccess(access, pathValue); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("workspace_access"), "Inconsistent workspace access", accessErrorDetail(err))
		}
	}
	if tier := int(cfg.Tier.ValueInt64()); !cfg.Tier.IsNull() && !cfg.Tier.IsUnknown() && !workspace.TierHasWorkspace(tier) && accessKnown &&
		(access == workspace.AccessReadOnly || access == workspace.AccessReadWrite) {
		info := workspace.TierInfo(tier)
		resp.Diagnostics.AddAttributeError(path.Root("workspace_access"), fmt.Sprintf("Tier %d has no /workspace", tier),
			fmt.Sprintf("tier %d (%s) mounts only /configs, so workspace_access %q cannot be honoured: use tier %s, or remove workspace_access and workspace_path.", tier, info.Name, access,
				tierList(workspace.Tier.HasWorkspace, "or")))
	}
	if network, ok := knownString(cfg.Network); ok && network == workspace.HostNetworkName && !cfg.Tier.IsUnknown() {
		tier := workspace.DefaultTier
		if !cfg.Tier.IsNull() {
			tier = int(cfg.Tier.ValueInt64())
		}
		if !workspace.TierUsesHostNetwork(tier) {
			resp.Diagnostics.AddAttributeError(path.Root("network"), "The host's network is for "+hostNetworkTiers()+" only",
				fmt.Sprintf("tier %d joins a user-defined network with its container name as alias, which Docker does not allow on the host's network: name a user-defined network (a molecule_network resource), leave network out for the provider's, or use %s.", tier, hostNetworkTiers()))
		}
	}
	validateSecretEnv(ctx, cfg, &resp.Diagnostics)
	validatePlatformToken(cfg, &resp.Diagnostics)
}

// knownString returns a string attribute's value ("" when null) and whether it is known.
func knownString(v interface {
	IsUnknown() bool
	ValueString() string
}) (string, bool) {
	return v.ValueString(), !v.IsUnknown()
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var (
	_ resource.ResourceWithConfigure      = (*workspaceResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*workspaceResource)(nil)
	_ resource.ResourceWithValidateConfig = (*workspaceResource)(nil)
	_ resource.ResourceWithImportState    = (*workspaceResource)(nil)
)

var readyPathPattern = regexp.MustCompile(`^/[^\s]*$`)

type workspaceResource struct{ data *ProviderData }

// NewWorkspaceResource is the molecule_workspace constructor.
func NewWorkspaceResource() resource.Resource { return &workspaceResource{} }

func (r *workspaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (r *workspaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *workspaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, adopt := parseImportID(req.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("workspace_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if adopt {
		writeAdoption(ctx, resp.Private, adoption{Pending: true}, &resp.Diagnostics)
	}
}

// progressLogger forwards backend milestones to tflog at INFO.
func progressLogger(workspaceID string) workspace.Progress {
	return func(ctx context.Context, msg string, fields map[string]any) {
		fields["workspace_id"] = workspaceID
		tflog.Info(ctx, msg, fields)
	}
}

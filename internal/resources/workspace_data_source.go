// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var _ datasource.DataSourceWithConfigure = (*workspaceDataSource)(nil)

type workspaceDataSource struct{ data *ProviderData }

// NewWorkspaceDataSource is the molecule_workspace data source constructor.
func NewWorkspaceDataSource() datasource.DataSource { return &workspaceDataSource{} }

// workspaceDataModel is molecule_workspace (data source) state.
type workspaceDataModel struct {
	ID types.String `tfsdk:"id"`
	observedSummary
	observedDetails
}

func (d *workspaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (d *workspaceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *workspaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedDataSourceAttributes(summaryAttributes, detailAttributes)
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "Same as `workspace_id`."}
	attrs["workspace_id"] = schema.StringAttribute{
		Required:            true,
		Validators:          []validator.String{validators.WorkspaceID()},
		MarkdownDescription: "Platform id of the workspace to look up.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one workspace on the engine by `workspace_id`, whether or not this configuration manages it: its URLs, status, volumes and image. One container inspect; the workspace must exist and carry this provider's ownership label, else the read fails.",
		Attributes:          attrs,
	}
}

func (d *workspaceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspaceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	id := m.WorkspaceID.ValueString()
	obs, err := d.data.Backend.Inspect(ctx, id, false)
	if err != nil {
		resp.Diagnostics.AddError("Reading workspace "+id+" failed", err.Error())
		return
	}
	if !obs.Exists {
		detail := fmt.Sprintf("no container %s managed by this provider exists on %s for workspace %s.", workspace.ContainerName(id), d.data.Backend.Host(), id)
		// A container that holds the name but is not ours (the platform's,
		// say) is named as such rather than reported missing.
		if holder, _, err := d.data.Backend.NameConflict(ctx, id); err == nil && holder != "" {
			detail = fmt.Sprintf("%s is not managed by this provider: %s.", workspace.ContainerName(id), holder)
		}
		resp.Diagnostics.AddAttributeError(path.Root("workspace_id"), "Workspace not found",
			detail+" Use the molecule_workspaces data source to list the workspaces that are.")
		return
	}
	m.ID = types.StringValue(id)
	m.observedSummary = summaryOf(id, d.data.internalURL(id), obs)
	m.ImageDigest = types.StringValue(d.data.Backend.ImageDigestOf(ctx, obs.Image, obs.ImageID))
	m.observedDetails = detailsOf(obs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

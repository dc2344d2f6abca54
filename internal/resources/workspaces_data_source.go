// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var _ datasource.DataSourceWithConfigure = (*workspacesDataSource)(nil)

type workspacesDataSource struct{ data *ProviderData }

// NewWorkspacesDataSource is the molecule_workspaces data source constructor.
func NewWorkspacesDataSource() datasource.DataSource { return &workspacesDataSource{} }

type workspacesDataModel struct {
	Runtime         types.String `tfsdk:"runtime"`
	Tier            types.Int64  `tfsdk:"tier"`
	Status          types.String `tfsdk:"status"`
	Labels          types.Map    `tfsdk:"labels"`
	IDs             types.List   `tfsdk:"ids"`
	Workspaces      types.List   `tfsdk:"workspaces"`
	DetachedVolumes types.List   `tfsdk:"detached_volumes"`
}

var detachedVolumeAttrs = map[string]attr.Type{
	"name":         types.StringType,
	"workspace_id": types.StringType,
	"role":         types.StringType,
}

func (d *workspacesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspaces"
}

func (d *workspacesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *workspacesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the workspaces on the engine that carry this provider's ownership label, whichever configuration (or none) manages them, optionally filtered. Compare `ids` with the workspaces in your state to find orphans, or feed them to other resources. `detached_volumes` lists this provider's volumes that no container uses. Costs one container list and one volume list call, whatever the number of workspaces.",
		Attributes: map[string]schema.Attribute{
			"runtime": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only workspaces of this runtime.",
			},
			"tier": schema.Int64Attribute{
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(workspace.MinTier, workspace.MaxTier)},
				MarkdownDescription: fmt.Sprintf("Only workspaces of this tier (%d-%d).", workspace.MinTier, workspace.MaxTier),
			},
			"status": schema.StringAttribute{
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(workspace.ContainerStatuses...)},
				MarkdownDescription: "Only workspaces whose container is in this state: " + quoted(workspace.ContainerStatuses) + ".",
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Validators:          []validator.Map{validators.UserLabels()},
				MarkdownDescription: "Only workspaces carrying all of these labels with these values (labels set through the resource's `labels`).",
			},
			"ids": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Workspace ids of the matching workspaces, sorted.",
			},
			"workspaces": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching workspaces, sorted by `workspace_id`. A list reports no limits, env or restart count: look one workspace up with the `molecule_workspace` data source for those.",
				NestedObject:        schema.NestedAttributeObject{Attributes: computedDataSourceAttributes(summaryAttributes)},
			},
			"detached_volumes": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Volumes carrying this provider's ownership label that no container uses (left by `keep_volumes`, or by a container removed outside Terraform), sorted by name. Not narrowed by the filters.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Volume name."},
					"workspace_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Workspace the volume belonged to."},
					"role":         schema.StringAttribute{Computed: true, MarkdownDescription: "`" + workspace.RoleConfigVolume + "`, `" + workspace.RoleWorkspaceVolume + "` or `" + workspace.RoleSessionsVolume + "` (claude-code)."},
				}},
			},
		},
	}
}

func (d *workspacesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspacesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	filter := workspace.ListFilter{
		Runtime: m.Runtime.ValueString(),
		Tier:    int(m.Tier.ValueInt64()),
		Status:  m.Status.ValueString(),
		Labels:  stringMap(ctx, m.Labels, &resp.Diagnostics),
	}
	listed, err := d.data.Backend.List(ctx, filter)
	if err != nil {
		resp.Diagnostics.AddError("Listing workspaces failed", err.Error())
		return
	}
	detached, err := d.data.Backend.DetachedVolumes(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Listing volumes failed", err.Error())
		return
	}

	ids := make([]attr.Value, 0, len(listed))
	workspaces := make([]attr.Value, 0, len(listed))
	for _, o := range listed {
		ids = append(ids, types.StringValue(o.WorkspaceID))
		summary := summaryOf(o.WorkspaceID, d.data.internalURL(o.WorkspaceID), o)
		// One image lookup per distinct image: the backend caches them.
		summary.ImageDigest = types.StringValue(d.data.Backend.ImageDigestOf(ctx, o.Image, o.ImageID))
		workspaces = append(workspaces, summaryObject(ctx, summary, &resp.Diagnostics))
	}
	volumes := make([]attr.Value, 0, len(detached))
	for _, v := range detached {
		volumes = append(volumes, types.ObjectValueMust(detachedVolumeAttrs, map[string]attr.Value{
			"name":         types.StringValue(v.Name),
			"workspace_id": types.StringValue(v.WorkspaceID),
			"role":         types.StringValue(v.Role),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.Workspaces = types.ListValueMust(types.ObjectType{AttrTypes: summaryAttrTypes()}, workspaces)
	m.DetachedVolumes = types.ListValueMust(types.ObjectType{AttrTypes: detachedVolumeAttrs}, volumes)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var (
	_ resource.ResourceWithConfigure   = (*networkResource)(nil)
	_ resource.ResourceWithImportState = (*networkResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*networkResource)(nil)
)

type networkResource struct{ data *ProviderData }

type networkModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Internal types.Bool   `tfsdk:"internal"`
	Labels   types.Map    `tfsdk:"labels"`
	Driver   types.String `tfsdk:"driver"`
	Managed  types.Bool   `tfsdk:"managed"`
}

// NewNetworkResource is the molecule_network constructor.
func NewNetworkResource() resource.Resource { return &networkResource{} }

func (r *networkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_network"
}

func (r *networkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *networkResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Docker bridge network for workspaces (by default they join `" + workspace.DefaultNetwork + "`), so a whole fleet, network included, is declared in one configuration. Destroy removes it only when this provider created it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keepString, MarkdownDescription: "Docker network ID."},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replaceString,
				Validators:          []validator.String{validators.NetworkName()},
				MarkdownDescription: fmt.Sprintf("Network name: %s, starting with %s, at most %d characters. Changing it replaces the network.", validators.NameCharacters, validators.NameStart, validators.MaxNetworkNameLength),
			},
			"internal": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "Restrict external access to the network. Default: `false`. Changing it replaces the network.",
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				Validators:          []validator.Map{validators.UserLabels()},
				MarkdownDescription: "Extra network labels; keys under `ai.molecule.terraform.` are reserved. Changing them replaces the network.",
			},
			"driver": schema.StringAttribute{Computed: true, PlanModifiers: keepString, MarkdownDescription: "Network driver (always `bridge` for networks created here)."},
			"managed": schema.BoolAttribute{
				Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Whether this provider created the network (carries its ownership label). An imported network without the label is never removed by destroy.",
			},
		},
	}
}

// ModifyPlan records the planned network so workspaces planned after it (they
// reference it) pass the network-exists check.
func (r *networkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var name types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	if !name.IsNull() && !name.IsUnknown() {
		r.data.plannedNetworks.Store(name.ValueString(), true)
	}
}

func (r *networkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan networkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	obs, err := r.data.Backend.CreateNetwork(ctx, workspace.NetworkSpec{
		Name: plan.Name.ValueString(), Internal: plan.Internal.ValueBool(), Labels: stringMap(ctx, plan.Labels, &resp.Diagnostics),
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Creating network failed", err.Error())
		return
	}
	applyNetwork(&plan, obs, false)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *networkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state networkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	obs, err := r.data.Backend.InspectNetwork(ctx, state.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Reading network failed", err.Error())
		return
	}
	if !obs.Exists {
		resp.State.RemoveResource(ctx)
		return
	}
	applyNetwork(&state, obs, state.ID.IsNull())
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *networkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Every attribute forces replacement; nothing changes in place.
	var plan networkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *networkResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state networkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.data.Backend.DeleteNetwork(ctx, state.Name.ValueString()); err != nil {
		resp.Diagnostics.AddError("Destroying network failed", err.Error())
	}
}

func (r *networkResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

func applyNetwork(m *networkModel, o workspace.ObservedNetwork, importing bool) {
	m.ID = types.StringValue(o.ID)
	m.Name = types.StringValue(o.Name)
	m.Internal = types.BoolValue(o.Internal)
	m.Driver = types.StringValue(o.Driver)
	m.Managed = types.BoolValue(o.Owned)
	if importing || !m.Labels.IsNull() {
		m.Labels = mapValue(o.Labels, true)
	}
}

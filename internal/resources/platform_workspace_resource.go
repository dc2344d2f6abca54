// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var (
	_ resource.ResourceWithConfigure   = (*platformWorkspaceResource)(nil)
	_ resource.ResourceWithImportState = (*platformWorkspaceResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*platformWorkspaceResource)(nil)
)

type platformWorkspaceResource struct{ data *ProviderData }

type platformWorkspaceModel struct {
	ID                 types.String  `tfsdk:"id"`
	Name               types.String  `tfsdk:"name"`
	Role               types.String  `tfsdk:"role"`
	Tier               types.Int64   `tfsdk:"tier"`
	ParentID           types.String  `tfsdk:"parent_id"`
	BudgetLimit        types.Float64 `tfsdk:"budget_limit"`
	MaxConcurrentTasks types.Int64   `tfsdk:"max_concurrent_tasks"`
	AuthToken          types.String  `tfsdk:"auth_token"`
	Status             types.String  `tfsdk:"status"`
	Runtime            types.String  `tfsdk:"runtime"`
}

// NewPlatformWorkspaceResource is the molecule_platform_workspace constructor.
func NewPlatformWorkspaceResource() resource.Resource { return &platformWorkspaceResource{} }

func (r *platformWorkspaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_platform_workspace"
}

func (r *platformWorkspaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *platformWorkspaceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Molecule platform's record of one workspace, always created as an **external** workspace (`\"runtime\":\"external\"`): the platform then never restarts or removes its container, which a `molecule_workspace` with `workspace_id = <this>.id` runs. Needs the provider's `platform_api_url` (or `platform_url`) and `platform_admin_token`. After create the record is read back and corrected when the platform stored anything else. A record deleted in the platform (gone, or `removed`) is planned for re-creation; a name, role or parent changed there is set back in place. See the guide *Running next to the Molecule platform*.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "The workspace id the platform chose (a UUID): give it to `molecule_workspace.workspace_id`.",
			},
			"name": schema.StringAttribute{
				Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "Display name in the platform. Updated in place.",
			},
			"role": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Role shown in the platform. Updated in place.",
			},
			"tier": schema.Int64Attribute{
				Optional: true, Computed: true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				Validators:          []validator.Int64{int64validator.Between(workspace.MinTier, workspace.MaxTier)},
				MarkdownDescription: fmt.Sprintf("Tier recorded in the platform, %d-%d. Default: what the platform stores (3). It does not set the container's tier: that is `molecule_workspace.tier`. Updated in place.", workspace.MinTier, workspace.MaxTier),
			},
			"parent_id": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Id of the parent workspace in the platform's hierarchy. Updated in place.",
			},
			"budget_limit": schema.Float64Attribute{
				Optional: true, MarkdownDescription: "Budget limit the platform enforces for the workspace. Updated in place. The platform's API cannot clear it: removing it from the configuration leaves the last value in the platform (the plan warns) and Terraform stops managing it.",
			},
			"max_concurrent_tasks": schema.Int64Attribute{
				Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
				MarkdownDescription: "How many tasks the platform sends the workspace at once. Updated in place. The platform's API cannot clear it: removing it from the configuration leaves the last value in the platform (the plan warns) and Terraform stops managing it.",
			},
			"auth_token": schema.StringAttribute{
				Computed: true, Sensitive: true, PlanModifiers: keepString,
				MarkdownDescription: "The workspace's own token, which the platform shows only in its answer to the create: pass it to `molecule_workspace.platform_token_wo`. Sensitive; kept in state because it cannot be read again. Empty after import.",
			},
			"status": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "The platform's status at the last refresh (`provisioning` until the runtime registers, then `online`, `offline`, `failed`).",
			},
			"runtime": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "Runtime the platform recorded: always `external` after apply; anything else at refresh is set back by the next apply.",
			},
		},
	}
}

// client returns the platform client, or adds an error saying how to configure it.
func (r *platformWorkspaceResource) client(diags interface{ AddError(string, string) }, needAdmin bool) *platform.Client {
	switch {
	case r.data == nil:
		return nil
	case r.data.Platform == nil:
		diags.AddError("Molecule platform not configured", "molecule_platform_workspace needs the provider's platform_api_url (or platform_url): the address of the platform's API, e.g. http://localhost:8080.")
		return nil
	case needAdmin && !r.data.Platform.HasAdminToken():
		diags.AddError("Platform admin token missing", "molecule_platform_workspace needs the platform's admin token to change records at "+r.data.Platform.BaseURL()+": set the provider's platform_admin_token or MOLECULE_ADMIN_TOKEN.")
		return nil
	}
	return r.data.Platform
}

// ModifyPlan plans an update when the platform stored a runtime other than
// external, and checks that the platform can be used before anything is made.
func (r *platformWorkspaceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	if req.Plan.Raw.IsNull() {
		r.client(&resp.Diagnostics, true)
		return
	}
	if r.client(&resp.Diagnostics, true) == nil || req.State.Raw.IsNull() {
		return
	}
	var state platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	if state.Runtime.ValueString() != platform.RuntimeExternal {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("runtime"), types.StringValue(platform.RuntimeExternal))...)
	}
	var config platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Config.Schema, req.Config.Raw, &config)...)
	if !state.BudgetLimit.IsNull() && config.BudgetLimit.IsNull() {
		warnUnclearable(&resp.Diagnostics, "budget_limit", state.ID.ValueString(), strconv.FormatFloat(state.BudgetLimit.ValueFloat64(), 'g', -1, 64))
	}
	if !state.MaxConcurrentTasks.IsNull() && config.MaxConcurrentTasks.IsNull() {
		warnUnclearable(&resp.Diagnostics, "max_concurrent_tasks", state.ID.ValueString(), strconv.FormatInt(state.MaxConcurrentTasks.ValueInt64(), 10))
	}
}

// warnUnclearable warns when a setting the platform cannot clear is removed
// from the configuration: its API has no documented way to unset
// budget_limit or max_concurrent_tasks, so the platform keeps the last value.
func warnUnclearable(diags *diag.Diagnostics, name, id, last string) {
	diags.AddAttributeWarning(path.Root(name), name+" is not cleared in the platform",
		fmt.Sprintf("%s is removed from the configuration of platform workspace %s, but the platform's API offers no way to clear it: the platform keeps %s. Terraform stops managing it; to change the limit, set %s to the value you want instead.", name, id, last, name))
}

func (r *platformWorkspaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Plan.Schema, req.Plan.Raw, &plan)...)
	c := r.client(&resp.Diagnostics, true)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	created, err := c.Create(ctx, platform.NewWorkspace{
		Name: plan.Name.ValueString(), Role: plan.Role.ValueString(), Tier: int(plan.Tier.ValueInt64()),
		ParentID: plan.ParentID.ValueString(), BudgetLimit: optionalFloat(plan.BudgetLimit), MaxConcurrentTasks: optionalInt64(plan.MaxConcurrentTasks),
	})
	if err != nil {
		resp.Diagnostics.AddError("Creating the platform workspace "+plan.Name.ValueString()+" failed", engineErrorDetail(err))
		return
	}
	plan.ID = types.StringValue(created.ID)
	plan.AuthToken = types.StringValue(created.AuthToken)
	// Recorded now: whatever follows fails, the record is not orphaned.
	plan.Status, plan.Runtime = types.StringValue(created.Status), types.StringValue("")
	if plan.Tier.IsUnknown() {
		plan.Tier = types.Int64Null()
	}
	resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &plan)...)
	r.settle(ctx, c, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &plan)...)
}

func (r *platformWorkspaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Plan.Schema, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	c := r.client(&resp.Diagnostics, true)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	plan.ID, plan.AuthToken = state.ID, state.AuthToken
	r.settle(ctx, c, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &plan)...)
}

// settle reads the record back and PATCHes whatever differs from the plan,
// the runtime above all (the platform may store an external create as its
// own Docker workspace), then reads it again to confirm.
func (r *platformWorkspaceResource) settle(ctx context.Context, c *platform.Client, plan *platformWorkspaceModel, diags interface{ AddError(string, string) }) {
	id := plan.ID.ValueString()
	for attempt := 0; attempt < 2; attempt++ {
		got, err := c.Get(ctx, id)
		if err != nil {
			diags.AddError("Reading platform workspace "+id+" back failed", engineErrorDetail(err))
			return
		}
		ch := differences(*plan, got)
		if ch == (platform.Changes{}) {
			applyRecord(plan, got)
			return
		}
		if attempt == 1 {
			diags.AddError("The platform did not store platform workspace "+id+" as asked",
				"after a correction the platform at "+c.BaseURL()+" still holds runtime "+got.Runtime+", name "+got.Name+", role "+got.Role+": check the platform's logs.")
			applyRecord(plan, got)
			return
		}
		if err := c.Update(ctx, id, ch); err != nil {
			diags.AddError("Correcting platform workspace "+id+" failed", engineErrorDetail(err))
			return
		}
	}
}

// differences is the PATCH that makes the record match the plan.
func differences(plan platformWorkspaceModel, got platform.Workspace) platform.Changes {
	var ch platform.Changes
	if !got.External() {
		ch.Runtime = ptr(platform.RuntimeExternal)
	}
	if v := plan.Name.ValueString(); got.Name != v {
		ch.Name = &v
	}
	if v := plan.Role.ValueString(); got.Role != v {
		ch.Role = &v
	}
	if v := plan.ParentID.ValueString(); derefString(got.ParentID) != v {
		ch.ParentID = &v
	}
	if !plan.Tier.IsNull() && !plan.Tier.IsUnknown() && int64(got.Tier) != plan.Tier.ValueInt64() {
		ch.Tier = ptr(int(plan.Tier.ValueInt64()))
	}
	if v := optionalFloat(plan.BudgetLimit); v != nil && (got.BudgetLimit == nil || *got.BudgetLimit != *v) {
		ch.BudgetLimit = v
	}
	if v := optionalInt64(plan.MaxConcurrentTasks); v != nil && (got.MaxConcurrentTasks == nil || *got.MaxConcurrentTasks != *v) {
		ch.MaxConcurrentTasks = v
	}
	return ch
}

// applyRecord copies what the platform holds onto the model. Settings the
// platform does not return, and limits the model does not set, keep the
// model's value.
func applyRecord(m *platformWorkspaceModel, w platform.Workspace) {
	m.ID = types.StringValue(w.ID)
	m.Name = types.StringValue(w.Name)
	m.Role = optionalString(w.Role)
	m.ParentID = optionalString(derefString(w.ParentID))
	m.Tier = types.Int64Value(int64(w.Tier))
	m.Status = types.StringValue(w.Status)
	m.Runtime = types.StringValue(w.Runtime)
	// Read back only while managed: one removed from the configuration
	// stays in the platform (it cannot be cleared) and out of state.
	if w.BudgetLimit != nil && !m.BudgetLimit.IsNull() {
		m.BudgetLimit = types.Float64Value(*w.BudgetLimit)
	}
	if w.MaxConcurrentTasks != nil && !m.MaxConcurrentTasks.IsNull() {
		m.MaxConcurrentTasks = types.Int64Value(*w.MaxConcurrentTasks)
	}
	if m.AuthToken.IsNull() || m.AuthToken.IsUnknown() {
		m.AuthToken = types.StringValue("")
	}
}

func (r *platformWorkspaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	c := r.client(&resp.Diagnostics, false)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	id := state.ID.ValueString()
	got, err := c.Get(ctx, id)
	switch {
	case errors.Is(err, platform.ErrNotFound) || (err == nil && got.Gone()):
		if state.Name.IsNull() { // import of an unknown id
			resp.Diagnostics.AddError("Platform workspace not found", "the platform at "+c.BaseURL()+" has no workspace "+id+" (or it was deleted).")
			return
		}
		resp.State.RemoveResource(ctx) // deleted in the platform: the plan re-creates it
		return
	case err != nil:
		resp.Diagnostics.AddWarning("Molecule platform unreachable", "platform workspace "+id+" was not refreshed: "+err.Error())
		return
	}
	applyRecord(&state, got)
	resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &state)...)
}

func (r *platformWorkspaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state platformWorkspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	c := r.client(&resp.Diagnostics, true)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	if err := c.Delete(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Deleting platform workspace "+state.ID.ValueString()+" failed", engineErrorDetail(err))
	}
}

func (r *platformWorkspaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func ptr[T any](v T) *T { return &v }

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func optionalFloat(v types.Float64) *float64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return ptr(v.ValueFloat64())
}

func optionalInt64(v types.Int64) *int64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return ptr(v.ValueInt64())
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// adoptPrefix starts the import id that adopts a platform-made workspace.
const adoptPrefix = "platform:"

var errPlatformNotConfigured = errors.New("the provider has no platform_api_url (or platform_url): adoption switches the workspace's platform record to external first")

// adoptionKey is the private-state key of an adopted workspace.
const adoptionKey = "adoption"

// adoption is what private state records about a workspace adopted from the
// platform. Pending: imported, not yet applied; PlatformContainer is the
// platform's container that the first apply replaces. Volumes are the
// platform-made volumes now recorded as ours (removed by destroy).
type adoption struct {
	Pending           bool     `json:"pending"`
	PlatformContainer string   `json:"platform_container,omitempty"`
	Volumes           []string `json:"volumes"`
	WorkspaceVolume   string   `json:"workspace_volume,omitempty"`
}

func readAdoption(ctx context.Context, private privateState) *adoption {
	raw, diags := private.GetKey(ctx, adoptionKey)
	if diags.HasError() || len(raw) == 0 {
		return nil
	}
	var a adoption
	if json.Unmarshal(raw, &a) != nil {
		return nil
	}
	return &a
}

func writeAdoption(ctx context.Context, private privateStateWriter, a adoption, diags *diag.Diagnostics) {
	raw, _ := json.Marshal(a)
	diags.Append(private.SetKey(ctx, adoptionKey, raw)...)
}

// applyAdoption makes a spec use the adopted volumes.
func (a *adoption) applyTo(s *workspace.WorkspaceSpec) {
	if a == nil {
		return
	}
	s.AdoptedVolumes = a.Volumes
	s.AdoptedWorkspaceVolume = a.WorkspaceVolume
}

// keepAdoption hands the adoption of a workspace whose destroy kept its
// volumes to the create that follows in the same run (a replacement): the
// create gets no private state, and the kept volumes lack our labels.
func (p *ProviderData) keepAdoption(workspaceID string, a adoption) {
	p.keptAdoptions.Store(workspaceID, a)
}

// keptAdoption returns what keepAdoption recorded, else nil.
func (p *ProviderData) keptAdoption(workspaceID string) *adoption {
	v, ok := p.keptAdoptions.Load(workspaceID)
	if !ok {
		return nil
	}
	a := v.(adoption)
	return &a
}

// takeAdoption returns (and forgets) what keepAdoption recorded, else nil.
func (p *ProviderData) takeAdoption(workspaceID string) *adoption {
	v, ok := p.keptAdoptions.LoadAndDelete(workspaceID)
	if !ok {
		return nil
	}
	a := v.(adoption)
	return &a
}

// parseImportID splits "platform:<id>" from a plain id.
func parseImportID(raw string) (id string, adopt bool) {
	if rest, ok := strings.CutPrefix(raw, adoptPrefix); ok {
		return rest, true
	}
	return raw, false
}

// readForAdoption is Read for a workspace imported with platform:<id> and not
// yet applied: it observes the platform's container.
func (r *workspaceResource) readForAdoption(ctx context.Context, state *workspaceModel, a *adoption, resp *resource.ReadResponse) {
	id := state.WorkspaceID.ValueString()
	obs, err := r.data.Backend.InspectPlatformContainer(ctx, id)
	if err != nil {
		resp.Diagnostics.AddError("Adopting workspace "+id+" failed", err.Error())
		return
	}
	if !obs.Exists {
		if a.PlatformContainer != "" && r.adoptedVolumesRemain(ctx, a) {
			// An earlier apply removed the platform's container and failed
			// before ours ran: the adoption stays pending on the same
			// volumes, and the next apply creates the container.
			resp.Diagnostics.AddAttributeWarning(path.Root("workspace_id"), "Adoption of workspace "+id+" is unfinished",
				"the platform's container "+workspace.ContainerName(id)+" is gone and this provider's is not there yet; its volumes ("+strings.Join(a.Volumes, ", ")+") remain: the next apply creates the container on them.")
			return
		}
		resp.Diagnostics.AddError("Workspace not found", "no container "+workspace.ContainerName(id)+" exists on "+r.data.Backend.Host()+" for workspace "+id+": there is nothing to adopt.")
		return
	}
	if obs.ConfigFiles, err = r.data.Backend.ReadConfigFiles(ctx, obs.ContainerID); err != nil {
		resp.Diagnostics.AddError("Adopting workspace "+id+" failed", err.Error())
		return
	}
	applyObserved(ctx, state, obs, r.data.internalURL(id), true, &resp.Diagnostics)
	if workspace.IsBuiltinNetwork(obs.Network) {
		// A platform container on the engine's bridge: ours cannot carry its
		// alias there, so it moves to the provider's network.
		state.Network = types.StringValue(r.data.Network)
	}
	state.Env = mapValue(obs.UserEnv, true)
	if obs.Name == "" {
		state.Name = types.StringValue(id)
	}
	state.Runtime = types.StringValue(r.runtimeOfImage(obs.Image))
	if obs.SessionsVolume != "" && !workspace.HasSessionsVolume(state.Runtime.ValueString()) {
		resp.Diagnostics.AddError("Adopting workspace "+id+" failed",
			"container "+workspace.ContainerName(id)+" mounts the sessions volume "+obs.SessionsVolume+" at "+workspace.ClaudeSessionsPath+", but its image "+obs.Image+" is not the "+workspace.ClaudeCodeRuntime+" runtime's image: map it in the provider's runtime_images (\""+workspace.ClaudeCodeRuntime+"\" = \""+obs.Image+"\") so that the adopted workspace keeps mounting that volume.")
		return
	}
	limits := workspace.TierDefaults(obs.Tier)
	if obs.MemoryMB == 0 {
		state.MemoryMB = types.Int64Value(limits.MemoryMB)
	}
	if obs.CPUs == 0 {
		state.CPUs = types.Float64Value(limits.CPUs)
	}
	a.PlatformContainer = obs.ContainerID
	a.Volumes, a.WorkspaceVolume = nil, obs.WorkspaceVolume
	for _, v := range []string{obs.ConfigVolume, obs.WorkspaceVolume, obs.SessionsVolume} {
		if v != "" {
			a.Volumes = append(a.Volumes, v)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	writeAdoption(ctx, resp.Private, *a, &resp.Diagnostics)
}

// adoptedVolumesRemain reports whether every volume of an adoption exists.
func (r *workspaceResource) adoptedVolumesRemain(ctx context.Context, a *adoption) bool {
	if len(a.Volumes) == 0 {
		return false
	}
	return r.data.Backend.CheckAdoptedVolumes(ctx, a.Volumes) == nil
}

// runtimeOfImage names the runtime whose image a platform container runs
// (the default runtime when none matches: the image is kept as is).
func (r *workspaceResource) runtimeOfImage(image string) string {
	for _, rt := range sortedKeys(r.data.RuntimeImages) {
		if r.data.RuntimeImages[rt] == image {
			return rt
		}
	}
	return workspace.DefaultRuntime
}

// replacingAttributes are molecule_workspace's RequiresReplace attributes.
var replacingAttributes = []string{"workspace_id", "runtime", "tier", "workspace_path", "env", "secret_env_wo_version",
	"platform_token_wo_version", "awareness_url", "awareness_namespace", "labels"}

// planAdoption checks a pending adoption at plan time: it needs the platform
// (its record is switched to external first) and happens in place, so
// nothing may require replacement yet. It marks what the apply changes.
func (p *planner) planAdoption(a *adoption) {
	id := p.plan.WorkspaceID.ValueString()
	c := p.r.data.Platform
	if c == nil || !c.HasAdminToken() {
		p.resp.Diagnostics.AddError("Adoption needs the platform",
			"adopting workspace "+id+" switches its platform record to external before its container is replaced: set the provider's platform_api_url (or platform_url) and platform_admin_token (or MOLECULE_ADMIN_TOKEN).")
		return
	}
	// The attributes whose change forces replacement (RequiresReplace in
	// the schema; the framework applies those after this plan).
	var attrs []string
	for _, name := range replacingAttributes {
		var planned, prior attr.Value
		p.resp.Diagnostics.Append(p.resp.Plan.GetAttribute(p.ctx, path.Root(name), &planned)...)
		p.resp.Diagnostics.Append(p.reqState.GetAttribute(p.ctx, path.Root(name), &prior)...)
		if planned != nil && prior != nil && !planned.IsUnknown() && !planned.Equal(prior) {
			attrs = append(attrs, name)
		}
	}
	if len(attrs) > 0 {
		p.resp.Diagnostics.AddError("Adoption must not replace the workspace",
			"workspace "+id+" is being adopted from the platform, which keeps its volumes; a replacement would not. Keep "+strings.Join(attrs, ", ")+" as imported (a generated configuration does, except sensitive env values, which must be filled in by hand), apply, and change them afterwards.")
		return
	}
	p.plan.ContainerID = types.StringUnknown()
	p.plan.Status = types.StringUnknown()
	p.plan.ConfigVolume = types.StringValue(workspace.ConfigVolumeName(id))
	if p.plan.WorkspaceVolume.ValueString() != "" && a.WorkspaceVolume != "" {
		p.plan.WorkspaceVolume = types.StringValue(a.WorkspaceVolume)
	}
	p.resp.Diagnostics.AddAttributeWarning(path.Root("workspace_id"), "Workspace "+id+" will be adopted from the platform",
		"this apply switches its platform record to external (PATCH), then removes the platform's container "+workspace.ContainerName(id)+" and starts one of this provider's on the same volumes ("+strings.Join(a.Volumes, ", ")+"), which Terraform then owns and destroy removes.")
}

// adopt is Update for a pending adoption.
func (r *workspaceResource) adopt(ctx context.Context, spec workspace.WorkspaceSpec, a *adoption, resp *resource.UpdateResponse) (workspace.ObservedWorkspace, error) {
	c := r.data.Platform
	if c == nil {
		return workspace.ObservedWorkspace{}, errPlatformNotConfigured
	}
	external := platform.RuntimeExternal
	if err := c.Update(ctx, spec.WorkspaceID, platform.Changes{Runtime: &external}); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	a.applyTo(&spec)
	obs, err := r.data.Backend.Adopt(ctx, spec, a.PlatformContainer, progressLogger(spec.WorkspaceID))
	if obs.Exists {
		writeAdoption(ctx, resp.Private, adoption{Volumes: a.Volumes, WorkspaceVolume: a.WorkspaceVolume}, &resp.Diagnostics)
	}
	return obs, err
}

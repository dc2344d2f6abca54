// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Default operation timeouts; the timeouts block overrides them.
const (
	defaultCreateTimeout = 5 * time.Minute
	defaultUpdateTimeout = 5 * time.Minute
	defaultDeleteTimeout = 2 * time.Minute
)

func (r *workspaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Plan.Schema, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(readModel(ctx, req.Config.Schema, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	manifest, ok := scanTemplate(plan.TemplatePath, &resp.Diagnostics)
	spec := toSpec(ctx, plan, manifest, timeout, &resp.Diagnostics)
	spec.SecretEnv = stringMap(ctx, config.SecretEnvWO, &resp.Diagnostics)
	spec.ImagePull = r.data.pullPolicy(plan.ImagePull)
	if !plan.ImageDigest.IsUnknown() {
		spec.ImageDigest = plan.ImageDigest.ValueString()
	}
	spec.PlatformToken = config.PlatformTokenWO.ValueString()
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	ctx = maskSecrets(ctx, spec)
	ctx = r.data.maskRegistryPasswords(ctx)
	// A replacement of an adopted workspace whose destroy kept the volumes:
	// they are still the adopted ones, without our labels.
	adopted := r.data.takeAdoption(spec.WorkspaceID)
	adopted.applyTo(&spec)
	obs, err := r.data.Backend.Create(ctx, spec, progressLogger(spec.WorkspaceID))
	if obs.Exists && adopted != nil {
		writeAdoption(ctx, resp.Private, *adopted, &resp.Diagnostics)
	}
	if obs.Exists {
		// Recorded even on failure: Terraform then taints it, and the next
		// apply replaces it instead of leaving it orphaned.
		applyObserved(ctx, &plan, obs, r.data.internalURL(plan.WorkspaceID.ValueString()), false, &resp.Diagnostics)
		resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &plan)...)
		recordConfigStamp(ctx, resp.Private, obs.ConfigStamp, &resp.Diagnostics)
	}
	if err != nil {
		detail := engineErrorDetail(err)
		if obs.Exists {
			detail += "\nThe workspace is kept in state as tainted: the next apply replaces it."
		}
		resp.Diagnostics.AddError("Creating workspace "+spec.WorkspaceID+" failed", detail)
	}
}

func (r *workspaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	importing := state.ContainerID.IsNull()
	if a := readAdoption(ctx, req.Private); a != nil && a.Pending {
		r.readForAdoption(ctx, &state, a, resp)
		return
	}
	obs, err := r.data.Backend.InspectFiles(ctx, state.WorkspaceID.ValueString(),
		managedConfigPaths(ctx, state.ConfigSHA256, &resp.Diagnostics), recordedConfigStamp(ctx, req.Private))
	if err != nil {
		resp.Diagnostics.AddError("Reading workspace "+state.WorkspaceID.ValueString()+" failed", err.Error())
		return
	}
	if !obs.Exists {
		if importing {
			if err := r.data.Backend.PlatformOwned(ctx, state.WorkspaceID.ValueString()); err != nil {
				resp.Diagnostics.AddError("Workspace belongs to the Molecule platform", err.Error())
				return
			}
			resp.Diagnostics.AddError("Workspace not found",
				"no container "+workspace.ContainerName(state.WorkspaceID.ValueString())+" managed by this provider exists on "+r.data.Backend.Host()+" for workspace "+state.WorkspaceID.ValueString()+".")
			return
		}
		if state.Status.ValueString() == workspace.StatusUnknown {
			// The record of a create that failed half-way: keep it, so the
			// next apply (replace) or destroy removes what it may have made.
			return
		}
		// Gone outside Terraform: the plan re-creates it.
		resp.State.RemoveResource(ctx)
		return
	}
	if importing {
		// Import writes /configs into config_files, so that a generated
		// configuration reproduces it.
		if obs.ConfigFiles, err = r.data.Backend.ReadConfigFiles(ctx, obs.ContainerID); err != nil {
			resp.Diagnostics.AddError("Reading workspace "+state.WorkspaceID.ValueString()+" failed", err.Error())
			return
		}
	}
	applyObserved(ctx, &state, obs, r.data.internalURL(state.WorkspaceID.ValueString()), importing, &resp.Diagnostics)
	if importing {
		state.ImageDigest = types.StringValue(r.data.Backend.ImageDigestOf(ctx, obs.Image, obs.ImageID))
	}
	resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &state)...)
	recordConfigStamp(ctx, resp.Private, obs.ConfigStamp, &resp.Diagnostics)
}

func (r *workspaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Plan.Schema, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	manifest, ok := scanTemplate(plan.TemplatePath, &resp.Diagnostics)
	spec := toSpec(ctx, plan, manifest, timeout, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	changes := workspace.Changes{
		Limits: !plan.MemoryMB.Equal(state.MemoryMB) || !plan.CPUs.Equal(state.CPUs),
		Files:  !plan.ConfigSHA256.Equal(state.ConfigSHA256),
	}
	var obs workspace.ObservedWorkspace
	var err error
	if a := readAdoption(ctx, req.Private); a != nil && a.Pending {
		spec.SecretEnv = secretEnvFromConfig(ctx, req.Config, &resp.Diagnostics)
		spec.PlatformToken = platformTokenFromConfig(ctx, req.Config, &resp.Diagnostics)
		ctx = maskSecrets(ctx, spec)
		obs, err = r.adopt(ctx, spec, a, resp)
	} else {
		readAdoption(ctx, req.Private).applyTo(&spec)
		obs, err = r.data.Backend.Update(ctx, spec, changes, progressLogger(spec.WorkspaceID))
	}
	if obs.Exists {
		applyObserved(ctx, &plan, obs, r.data.internalURL(plan.WorkspaceID.ValueString()), false, &resp.Diagnostics)
		resp.Diagnostics.Append(writeModel(ctx, resp.State.Schema, &resp.State.Raw, &plan)...)
		recordConfigStamp(ctx, resp.Private, obs.ConfigStamp, &resp.Diagnostics)
	}
	if err != nil {
		resp.Diagnostics.AddError("Updating workspace "+spec.WorkspaceID+" failed", engineErrorDetail(err))
	}
}

func (r *workspaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rm := removal(state)
	a := readAdoption(ctx, req.Private)
	if a != nil && !a.Pending {
		rm.AdoptedVolumes = a.Volumes
		if a.WorkspaceVolume != "" && rm.WorkspaceVolume != "" {
			rm.WorkspaceVolume = a.WorkspaceVolume
		}
	}
	err := r.data.Backend.Delete(ctx, rm, progressLogger(state.WorkspaceID.ValueString()))
	if err == nil && rm.KeepVolumes && a != nil && !a.Pending {
		r.data.keepAdoption(state.WorkspaceID.ValueString(), *a)
	}
	if err != nil {
		resp.Diagnostics.AddError("Destroying workspace "+state.WorkspaceID.ValueString()+" failed", err.Error())
		// The container may be gone while a volume stayed (in use by a
		// foreign container): keep the record even without a container, so
		// the next destroy (or apply, which replaces it) finishes the job.
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("status"), workspace.StatusUnknown)...)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"errors"
	"fmt"

	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ModifyPlan fills the computed defaults that depend on the provider
// (image, network, limits...), checks everything that needs the engine or
// the host's files, and decides replacements for values computed here.
func (r *workspaceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or provider not configured yet
	}
	var plan, config workspaceModel
	resp.Diagnostics.Append(readModel(ctx, req.Plan.Schema, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(readModel(ctx, req.Config.Schema, req.Config.Raw, &config)...)
	var state *workspaceModel
	if !req.State.Raw.IsNull() {
		state = &workspaceModel{}
		resp.Diagnostics.Append(readModel(ctx, req.State.Schema, req.State.Raw, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	adopted := readAdoption(ctx, req.Private)
	p := planner{r: r, ctx: ctx, resp: resp, plan: &plan, config: config, state: state, reqState: req.State,
		adopting: adopted != nil && adopted.Pending}
	p.checkPlatformView()
	if plan.WorkspaceID.IsUnknown() {
		return
	}
	p.fillDefaults()
	p.checkTier()
	if !p.checkBackendSpec() {
		return
	}
	p.checkWorkspacePath()
	p.planConfigFiles()
	// A pending adoption is checked as a create would be (its network and
	// image), except for the name, which the platform's container holds.
	p.checkEngine()
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case adopted != nil && adopted.Pending && state != nil:
		p.planAdoption(adopted)
		if resp.Diagnostics.HasError() {
			return
		}
	case state == nil && adopted != nil && plan.WorkspaceVolume.ValueString() != "":
		// The new half of replacing an adopted workspace: which /workspace
		// volume it gets is known once the destroy ran (kept or removed).
		plan.WorkspaceVolume = types.StringUnknown()
	case state == nil:
		// The create of a replacement, planned again at apply after the
		// destroy kept the adopted volumes for it.
		if kept := r.data.keptAdoption(plan.WorkspaceID.ValueString()); kept != nil && kept.WorkspaceVolume != "" && plan.WorkspaceVolume.ValueString() != "" {
			plan.WorkspaceVolume = types.StringValue(kept.WorkspaceVolume)
		}
	case adopted != nil && adopted.WorkspaceVolume != "" && plan.WorkspaceVolume.ValueString() != "":
		plan.WorkspaceVolume = types.StringValue(adopted.WorkspaceVolume)
		p.decideReplacements()
	default:
		p.decideReplacements()
	}
	resp.Diagnostics.Append(writeModel(ctx, resp.Plan.Schema, &resp.Plan.Raw, &plan)...)
	if state != nil && !resp.Diagnostics.HasError() && !resp.Plan.Raw.Equal(req.State.Raw) {
		markVolatileUnknown(&plan)
		resp.Diagnostics.Append(writeModel(ctx, resp.Plan.Schema, &resp.Plan.Raw, &plan)...)
	}
}

// markVolatileUnknown marks what anything that (re)starts the container
// changes: status, restart_count, oom_killed and host_url.
func markVolatileUnknown(m *workspaceModel) {
	m.Status = types.StringUnknown()
	m.RestartCount = types.Int64Unknown()
	m.OOMKilled = types.BoolUnknown()
	m.HostURL = types.StringUnknown()
}

type planner struct {
	r      *workspaceResource
	ctx    context.Context
	resp   *resource.ModifyPlanResponse
	plan   *workspaceModel
	config workspaceModel
	state  *workspaceModel
	// reqState is the prior state as Terraform sent it.
	reqState tfsdk.State
	// adopting: imported from the platform and not yet applied.
	adopting bool
}

func (p *planner) creating() bool { return p.state == nil }

// fillDefaults resolves the Optional+Computed attributes the config leaves null.
func (p *planner) fillDefaults() {
	m, c, d := p.plan, p.config, p.r.data
	id := m.WorkspaceID.ValueString()
	if c.Name.IsNull() {
		m.Name = types.StringValue(id)
	}
	tier := int(m.Tier.ValueInt64())
	if c.Image.IsNull() && !m.Runtime.IsUnknown() {
		if img, ok := d.RuntimeImages[m.Runtime.ValueString()]; ok {
			m.Image = types.StringValue(img)
		}
	}
	if !m.Runtime.IsUnknown() {
		if _, ok := d.RuntimeImages[m.Runtime.ValueString()]; !ok {
			p.resp.Diagnostics.AddAttributeError(path.Root("runtime"), "Unknown runtime",
				fmt.Sprintf("runtime %q is not known: use one of %s, or add it to the provider's runtime_images.", m.Runtime.ValueString(), quoted(sortedKeys(d.RuntimeImages))))
		}
	}
	switch {
	case workspace.TierUsesHostNetwork(tier):
		m.Network = types.StringValue(workspace.HostNetworkName)
	case c.Network.IsNull():
		m.Network = types.StringValue(d.Network)
	}
	if c.PlatformURL.IsNull() {
		m.PlatformURL = types.StringValue(d.PlatformURL)
	}
	if c.WorkspaceAccess.IsNull() && !c.WorkspacePath.IsUnknown() {
		access := workspace.AccessNone
		if !c.WorkspacePath.IsNull() && workspace.TierHasWorkspace(tier) {
			access = workspace.AccessReadWrite
		}
		m.WorkspaceAccess = types.StringValue(access)
	}
	limits := workspace.TierDefaults(tier)
	if c.MemoryMB.IsNull() {
		m.MemoryMB = types.Int64Value(limits.MemoryMB)
	}
	if c.CPUs.IsNull() {
		m.CPUs = types.Float64Value(p.defaultCPUs(limits.CPUs))
	}
	if !m.WorkspaceAccess.IsUnknown() && !m.Network.IsUnknown() {
		spec := toSpec(p.ctx, *m, nil, 0, &p.resp.Diagnostics)
		m.Isolation = types.StringValue(p.r.data.Backend.Isolation(spec))
		// Planned on every run, so a volume swapped outside shows as drift.
		m.ConfigVolume = types.StringValue(workspace.ConfigVolumeName(id))
		m.WorkspaceVolume = types.StringValue(spec.WorkspaceVolume())
		if p.creating() {
			m.ID = types.StringValue(id)
			m.ContainerName = types.StringValue(workspace.ContainerName(id))
			m.InternalURL = types.StringValue(p.r.data.internalURL(id))
		}
	}
}

func (p *planner) checkTier() {
	tier := int(p.plan.Tier.ValueInt64())
	if err := workspace.ValidateTier(tier, p.r.data.AllowPrivilegedTiers); err != nil {
		p.resp.Diagnostics.Append(tierDiagnostic(err))
		return
	}
	if info := workspace.TierInfo(tier); p.creating() && info.Privileged {
		what := "privileged mode and the host's PID namespace"
		if info.HostNetwork {
			what = "privileged mode, the host's PID and network namespaces and the Docker socket (control of every container on the engine)"
		}
		p.resp.Diagnostics.AddAttributeWarning(path.Root("tier"), fmt.Sprintf("Tier %d workspace gets host access", tier),
			fmt.Sprintf("workspace %s will run with %s. Use it only for agents you trust with the host.", p.plan.WorkspaceID.ValueString(), what))
	}
}

// planConfigFiles scans the template, checks that config.yaml has a source,
// and plans the hashes of the managed files.
func (p *planner) planConfigFiles() {
	m, c := p.plan, p.config
	if c.TemplatePath.IsUnknown() || c.ConfigFiles.IsUnknown() {
		m.ConfigSHA256 = types.MapUnknown(types.StringType)
		return
	}
	manifest, ok := scanTemplate(c.TemplatePath, &p.resp.Diagnostics)
	if !ok {
		return
	}
	files := stringMap(p.ctx, c.ConfigFiles, &p.resp.Diagnostics)
	hasSource := files["config.yaml"] != "" || (manifest != nil && manifest.HasConfigYAML())
	if !hasSource {
		p.requireExistingConfig(manifest)
	}
	if manifest == nil && len(files) == 0 && p.state != nil {
		m.ConfigSHA256 = p.state.ConfigSHA256 // nothing managed: keep what is there
		return
	}
	hashes, err := workspace.ExpectedHashes(manifest, files)
	if err != nil {
		p.resp.Diagnostics.AddAttributeError(path.Root("config_files"), "Config files cannot be packed", err.Error())
		return
	}
	if !hasSource && p.state != nil {
		if h, ok := stringMap(p.ctx, p.state.ConfigSHA256, &p.resp.Diagnostics)["config.yaml"]; ok {
			hashes["config.yaml"] = h
		}
	}
	m.ConfigSHA256 = mapValue(hashes, false)
}

// requireExistingConfig accepts a workspace without a config.yaml source only
// when its config volume still holds one; otherwise the runtime would crash-loop.
func (p *planner) requireExistingConfig(manifest *workspace.TemplateManifest) {
	id := p.plan.WorkspaceID.ValueString()
	volume := workspace.ConfigVolumeName(id)
	where := path.Root("config_files")
	if manifest != nil {
		where = path.Root("template_path")
	}
	if p.state != nil {
		if _, ok := stringMap(p.ctx, p.state.ConfigSHA256, &p.resp.Diagnostics)["config.yaml"]; ok {
			return
		}
		p.resp.Diagnostics.AddAttributeError(where, "config.yaml is gone",
			fmt.Sprintf("config volume %s no longer holds config.yaml and the configuration gives no source for it, so the workspace would crash-loop. Set template_path to a directory holding config.yaml, or config_files[\"config.yaml\"].", volume))
		return
	}
	exists, err := p.r.data.Backend.VolumeExists(p.ctx, volume, id)
	if err != nil {
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
		return
	}
	if !exists {
		detail := "a new workspace needs config.yaml: set template_path to a directory holding a regular config.yaml, or give a non-empty config_files[\"config.yaml\"]."
		if manifest != nil {
			detail = fmt.Sprintf("template_path %s holds no regular, non-empty config.yaml, and config_files does not provide one: %s", p.config.TemplatePath.ValueString(), detail)
		}
		p.resp.Diagnostics.AddAttributeError(where, "No config.yaml source", detail)
		return
	}
	// The volume exists (its container was removed, or it was recreated):
	// look inside, with the image when it is here already. A missing image
	// is reported by checkEngine (or pulled at apply).
	image := p.plan.Image.ValueString()
	if p.plan.Image.IsUnknown() || image == "" {
		return
	}
	if ref, err := workspace.ParseImageRef(image); err == nil {
		image = ref.EngineRef()
	}
	if _, err := p.r.data.Backend.ImageID(p.ctx, image); err != nil {
		return
	}
	holds, err := p.r.data.Backend.VolumeHoldsConfig(p.ctx, id, image)
	switch {
	case err != nil:
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
	case !holds:
		p.resp.Diagnostics.AddAttributeError(where, "config.yaml is gone",
			fmt.Sprintf("config volume %s exists but holds no config.yaml, and the configuration gives no source for it, so the workspace would crash-loop. Set template_path to a directory holding config.yaml, or config_files[\"config.yaml\"].", volume))
	}
}

// scanTemplate returns nil without a template_path; ok is false on error.
func scanTemplate(v types.String, diags interface {
	AddAttributeError(path.Path, string, string)
}) (*workspace.TemplateManifest, bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, true
	}
	manifest, err := workspace.ScanTemplate(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("template_path"), "Unusable template directory", err.Error())
		return nil, false
	}
	return &manifest, true
}

// checkEngine asks the engine what only it knows: the image, the network,
// the container name.
func (p *planner) checkEngine() {
	m, e := p.plan, p.r.data.Backend
	p.planImage()
	networkChanged := p.state == nil || p.adopting || p.state.Network.ValueString() != m.Network.ValueString()
	_, planned := p.r.data.plannedNetworks.Load(m.Network.ValueString())
	if !workspace.TierUsesHostNetwork(int(m.Tier.ValueInt64())) && !m.Network.IsUnknown() && networkChanged && !planned {
		var missing *workspace.MissingNetworkError
		if err := e.CheckNetwork(p.ctx, m.Network.ValueString()); errors.As(err, &missing) {
			p.resp.Diagnostics.AddAttributeError(path.Root("network"), "Network not found", err.Error()+" or declare a molecule_network resource, or set network to one that exists.")
		} else if err != nil {
			p.resp.Diagnostics.AddError("Docker engine error", err.Error())
		}
	}
	if !p.creating() {
		return
	}
	id := m.WorkspaceID.ValueString()
	if other, clash := p.r.data.claim(id); clash {
		detail := fmt.Sprintf("workspace ids %q and %q share their first %d characters, so both would be named %s: give one of them a different prefix.", other, id, workspace.ShortIDLength, workspace.ContainerName(id))
		if other == id {
			detail = fmt.Sprintf("two molecule_workspace resources in this configuration use workspace_id %q: each workspace needs its own id (Docker names %s).", id, workspace.ContainerName(id))
		}
		p.resp.Diagnostics.AddAttributeError(path.Root("workspace_id"), "Workspace ids collide", detail)
		return
	}
	conflict, owner, err := e.NameConflict(p.ctx, id)
	switch {
	case err != nil:
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
	case conflict != "" && owner:
		// Ours, for another id: possibly this resource's own predecessor,
		// about to be replaced. The apply checks again once it is gone.
		p.resp.Diagnostics.AddAttributeWarning(path.Root("workspace_id"), "Container name in use", conflict+" If that workspace is not being destroyed in this apply, the apply will fail.")
	case conflict != "":
		p.resp.Diagnostics.AddAttributeError(path.Root("workspace_id"), "Container name taken", conflict)
	}
}

// decideReplacements replaces when a value computed here differs from state.
func (p *planner) decideReplacements() {
	if p.state == nil {
		return
	}
	if p.state.Status.ValueString() == workspace.StatusUnknown {
		// A half-made create or half-done destroy: replacing removes what
		// may be left and builds the workspace afresh.
		p.plan.Status = types.StringUnknown() // a change, or Terraform would plan no-op
		p.resp.RequiresReplace = p.resp.RequiresReplace.Append(path.Root("status"))
	}
	pairs := map[string][2]types.String{
		"name":             {p.state.Name, p.plan.Name},
		"image":            {p.state.Image, p.plan.Image},
		"image_id":         {p.state.ImageID, p.plan.ImageID},
		"image_digest":     {p.state.ImageDigest, p.plan.ImageDigest},
		"workspace_access": {p.state.WorkspaceAccess, p.plan.WorkspaceAccess},
		"platform_url":     {p.state.PlatformURL, p.plan.PlatformURL},
		"network":          {p.state.Network, p.plan.Network},
		"isolation":        {p.state.Isolation, p.plan.Isolation},
		"config_volume":    {p.state.ConfigVolume, p.plan.ConfigVolume},
		"workspace_volume": {p.state.WorkspaceVolume, p.plan.WorkspaceVolume},
	}
	for attr, v := range pairs {
		if !v[0].IsNull() && !v[1].IsUnknown() && !v[0].Equal(v[1]) {
			p.resp.RequiresReplace = p.resp.RequiresReplace.Append(path.Root(attr))
		}
	}
}

// defaultCPUs is a tier's default CPU limit capped at the engine's CPU
// count: a tier's default may exceed the CPUs of a small engine, and Docker
// refuses a limit above them. An explicit cpus is left to the user (and to
// Docker).
func (p *planner) defaultCPUs(tierDefault float64) float64 {
	if tierDefault <= 1 {
		return tierDefault // every engine has one CPU: no need to ask
	}
	n, err := p.r.data.Backend.CPUCount(p.ctx)
	if err != nil {
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
		return tierDefault
	}
	return min(tierDefault, float64(n))
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

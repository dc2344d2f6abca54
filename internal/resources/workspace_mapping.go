// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
)

// toSpec turns a (fully planned) model into the provisioner's plain spec.
func toSpec(ctx context.Context, m workspaceModel, manifest *provisioner.TemplateManifest, readyTimeout time.Duration, diags *diag.Diagnostics) provisioner.WorkspaceSpec {
	return provisioner.WorkspaceSpec{
		WorkspaceID:        m.WorkspaceID.ValueString(),
		Name:               m.Name.ValueString(),
		Runtime:            m.Runtime.ValueString(),
		Image:              m.Image.ValueString(),
		Tier:               int(m.Tier.ValueInt64()),
		MemoryMB:           m.MemoryMB.ValueInt64(),
		CPUs:               m.CPUs.ValueFloat64(),
		WorkspaceAccess:    m.WorkspaceAccess.ValueString(),
		WorkspacePath:      m.WorkspacePath.ValueString(),
		Template:           manifest,
		ConfigFiles:        stringMap(ctx, m.ConfigFiles, diags),
		Env:                stringMap(ctx, m.Env, diags),
		SecretEnvVersion:   optionalInt(m.SecretEnvWOVersion),
		PlatformURL:        m.PlatformURL.ValueString(),
		AwarenessURL:       m.AwarenessURL.ValueString(),
		AwarenessNamespace: m.AwarenessNamespace.ValueString(),
		Network:            m.Network.ValueString(),
		Labels:             stringMap(ctx, m.Labels, diags),
		Running:            m.Running.ValueBool(),
		WaitForReady:       m.WaitForReady.ValueBool(),
		ReadyPath:          m.ReadyPath.ValueString(),
		ReadyTimeout:       readyTimeout,
	}
}

// removal names what destroying a workspace in state removes.
func removal(m workspaceModel) provisioner.Removal {
	id := m.WorkspaceID.ValueString()
	// Our own volume's name, not the one read back: a volume swapped in
	// outside Terraform is not ours, and ours must not leak.
	workspaceVolume := ""
	if m.WorkspaceVolume.ValueString() != "" {
		workspaceVolume = provisioner.WorkspaceVolumeName(id)
	}
	return provisioner.Removal{
		WorkspaceID:     id,
		ContainerID:     m.ContainerID.ValueString(),
		ConfigVolume:    provisioner.ConfigVolumeName(id),
		WorkspaceVolume: workspaceVolume,
		SessionsVolume:  provisioner.WorkspaceSpec{WorkspaceID: id, Runtime: m.Runtime.ValueString()}.SessionsVolume(),
		KeepVolumes:     m.KeepVolumes.ValueBool(),
	}
}

// applyObserved writes what inspection found onto the model. Only the env
// and label keys the model already manages are read back (all user keys on
// import), so variables added by others do not show as drift.
func applyObserved(ctx context.Context, m *workspaceModel, o provisioner.ObservedWorkspace, importing bool, diags *diag.Diagnostics) {
	id := m.WorkspaceID.ValueString()
	m.ID = types.StringValue(id)
	m.ContainerID = types.StringValue(o.ContainerID)
	m.ContainerName = types.StringValue(provisioner.ContainerName(id))
	m.ConfigVolume = types.StringValue(o.ConfigVolume)
	m.WorkspaceVolume = types.StringValue(o.WorkspaceVolume)
	m.InternalURL = types.StringValue(provisioner.InternalURL(id))
	m.HostURL = types.StringValue(o.HostURL())
	m.Status = types.StringValue(o.Status)
	m.RestartCount = types.Int64Value(int64(o.RestartCount))
	m.OOMKilled = types.BoolValue(o.OOMKilled)
	m.Running = types.BoolValue(o.Running)
	if !provisioner.SameImageRef(m.Image.ValueString(), o.Image) {
		m.Image = types.StringValue(o.Image) // a pinned reference is recorded without its tag
	}
	m.ImageID = types.StringValue(o.ImageID)
	switch {
	case o.ImageDigestKnown:
		m.ImageDigest = types.StringValue(o.ImageDigest)
	case m.ImageDigest.IsNull() || m.ImageDigest.IsUnknown():
		m.ImageDigest = types.StringValue("")
	}
	m.Isolation = types.StringValue(o.Isolation)
	m.MemoryMB = types.Int64Value(o.MemoryMB)
	m.CPUs = types.Float64Value(o.CPUs)
	if o.Name != "" {
		m.Name = types.StringValue(o.Name)
	}
	if o.Runtime != "" {
		m.Runtime = types.StringValue(o.Runtime)
	}
	if o.Tier != 0 {
		m.Tier = types.Int64Value(int64(o.Tier))
	}
	m.Network = types.StringValue(o.Network)
	m.PlatformURL = types.StringValue(o.Env["PLATFORM_URL"])
	m.AwarenessURL = optionalString(o.Env["AWARENESS_URL"])
	m.AwarenessNamespace = optionalString(o.Env["AWARENESS_NAMESPACE"])
	readWorkspaceMount(m, o)

	m.Env = readBackMap(ctx, m.Env, o.Env, o.UserEnv, importing, diags)
	m.SecretEnvWO = types.MapNull(types.StringType) // write-only: never in state
	m.SecretEnvWOVersion = parseOptionalInt(o.SecretEnvVersion)
	m.Labels = readBackMap(ctx, m.Labels, o.Labels, o.Labels, importing, diags)
	m.ConfigSHA256 = readBackHashes(ctx, m.ConfigSHA256, o.ConfigHashes, diags)

	if importing {
		m.KeepVolumes = types.BoolValue(false)
		m.WaitForReady = types.BoolValue(true)
		m.ReadyPath = types.StringValue(provisioner.DefaultReadyPath)
	}
}

// readWorkspaceMount maps the /workspace mount back onto access and path.
func readWorkspaceMount(m *workspaceModel, o provisioner.ObservedWorkspace) {
	switch {
	case o.WorkspacePath != "":
		m.WorkspacePath = types.StringValue(o.WorkspacePath)
		access := provisioner.AccessReadWrite
		if o.WorkspaceRO {
			access = provisioner.AccessReadOnly
		}
		m.WorkspaceAccess = types.StringValue(access)
	case o.WorkspaceVolume != "" || o.Tier == 1:
		// A volume: access is "none"; a path in config is then ignored, so keep it.
		if m.WorkspaceAccess.ValueString() != provisioner.AccessNone {
			m.WorkspacePath = types.StringNull()
		}
		m.WorkspaceAccess = types.StringValue(provisioner.AccessNone)
	}
}

// optionalInt renders an optional integer for a label ("" when null).
func optionalInt(v types.Int64) string {
	if v.IsNull() || v.IsUnknown() {
		return ""
	}
	return strconv.FormatInt(v.ValueInt64(), 10)
}

// parseOptionalInt reads a label written by optionalInt.
func parseOptionalInt(v string) types.Int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return types.Int64Null()
	}
	return types.Int64Value(n)
}

func optionalString(v string) types.String {
	if v == "" {
		return types.StringNull()
	}
	return types.StringValue(v)
}

// readBackMap returns the observed values of the keys prior manages (the
// user's keys recorded on the container when importing); keys that vanished
// are dropped.
func readBackMap(ctx context.Context, prior types.Map, observed, userSet map[string]string, importing bool, diags *diag.Diagnostics) types.Map {
	if importing {
		return mapValue(userSet, true)
	}
	if prior.IsNull() || prior.IsUnknown() {
		return prior
	}
	out := map[string]string{}
	for k := range stringMap(ctx, prior, diags) {
		if v, ok := observed[k]; ok {
			out[k] = v
		}
	}
	return mapValue(out, false)
}

// readBackHashes keeps the hashes of the managed files (those already in
// state, and always config.yaml); a file deleted outside drops out.
func readBackHashes(ctx context.Context, prior types.Map, observed map[string]string, diags *diag.Diagnostics) types.Map {
	if observed == nil {
		return prior
	}
	keys := stringMap(ctx, prior, diags)
	keys["config.yaml"] = ""
	out := map[string]string{}
	for k := range keys {
		if h, ok := observed[k]; ok {
			out[k] = h
		}
	}
	return mapValue(out, false)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// toSpec turns a (fully planned) model into the workspace model's plain spec.
func toSpec(ctx context.Context, m workspaceModel, manifest *workspace.TemplateManifest, readyTimeout time.Duration, diags *diag.Diagnostics) workspace.WorkspaceSpec {
	return workspace.WorkspaceSpec{
		WorkspaceID:          m.WorkspaceID.ValueString(),
		Name:                 m.Name.ValueString(),
		Runtime:              m.Runtime.ValueString(),
		Image:                m.Image.ValueString(),
		Tier:                 int(m.Tier.ValueInt64()),
		MemoryMB:             m.MemoryMB.ValueInt64(),
		CPUs:                 m.CPUs.ValueFloat64(),
		WorkspaceAccess:      m.WorkspaceAccess.ValueString(),
		WorkspacePath:        m.WorkspacePath.ValueString(),
		Template:             manifest,
		ConfigFiles:          stringMap(ctx, m.ConfigFiles, diags),
		Env:                  stringMap(ctx, m.Env, diags),
		SecretEnvVersion:     optionalInt(m.SecretEnvWOVersion),
		PlatformTokenVersion: optionalInt(m.PlatformTokenWOVer),
		PlatformURL:          m.PlatformURL.ValueString(),
		AwarenessURL:         m.AwarenessURL.ValueString(),
		AwarenessNamespace:   m.AwarenessNamespace.ValueString(),
		Network:              m.Network.ValueString(),
		Labels:               stringMap(ctx, m.Labels, diags),
		Running:              m.Running.ValueBool(),
		WaitForReady:         m.WaitForReady.ValueBool(),
		ReadyPath:            m.ReadyPath.ValueString(),
		ReadyTimeout:         readyTimeout,
	}
}

// removal names what destroying a workspace in state removes.
func removal(m workspaceModel) workspace.Removal {
	id := m.WorkspaceID.ValueString()
	// Our own volume's name, not the one read back: a volume swapped in
	// outside Terraform is not ours, and ours must not leak.
	workspaceVolume := ""
	if m.WorkspaceVolume.ValueString() != "" {
		workspaceVolume = workspace.WorkspaceVolumeName(id)
	}
	return workspace.Removal{
		WorkspaceID:     id,
		ContainerID:     m.ContainerID.ValueString(),
		ConfigVolume:    workspace.ConfigVolumeName(id),
		WorkspaceVolume: workspaceVolume,
		SessionsVolume:  workspace.WorkspaceSpec{WorkspaceID: id, Runtime: m.Runtime.ValueString()}.SessionsVolume(),
		KeepVolumes:     m.KeepVolumes.ValueBool(),
	}
}

// applyObserved writes what inspection found onto the model: the shared
// mapping (summaryOf, detailsOf), then the resource's own rules. Only the
// env and label keys the model already manages are read back (all user keys
// on import), so variables added by others do not show as drift; name,
// runtime and tier labels missing on the container keep the planned values.
func applyObserved(ctx context.Context, m *workspaceModel, o workspace.ObservedWorkspace, internalURL string, importing bool, diags *diag.Diagnostics) {
	prior := *m
	id := m.WorkspaceID.ValueString()
	m.observedSummary = summaryOf(id, internalURL, o)
	m.observedDetails = detailsOf(o)
	m.ID = types.StringValue(id)
	if workspace.SameImageRef(prior.Image.ValueString(), o.Image) {
		m.Image = prior.Image // a pinned reference is recorded without its tag
	}
	switch {
	case o.ImageDigestKnown:
		m.ImageDigest = types.StringValue(o.ImageDigest)
	case prior.ImageDigest.IsNull() || prior.ImageDigest.IsUnknown():
		m.ImageDigest = types.StringValue("")
	default:
		m.ImageDigest = prior.ImageDigest // refresh keeps the digest recorded at create
	}
	if o.Name == "" {
		m.Name = prior.Name
	}
	if o.Runtime == "" {
		m.Runtime = prior.Runtime
	}
	if o.Tier == 0 {
		m.Tier = prior.Tier
	}
	m.AwarenessURL = optionalString(o.Env["AWARENESS_URL"])
	m.AwarenessNamespace = optionalString(o.Env["AWARENESS_NAMESPACE"])
	m.WorkspacePath = readWorkspacePath(prior, o)

	m.Env = readBackMap(ctx, prior.Env, o.Env, o.UserEnv, importing, diags)
	m.SecretEnvWO = types.MapNull(types.StringType) // write-only: never in state
	m.SecretEnvWOVersion = parseOptionalInt(o.SecretEnvVersion)
	m.PlatformTokenWO = types.StringNull() // write-only: never in state
	m.PlatformTokenWOVer = parseOptionalInt(o.PlatformTokenVersion)
	m.Labels = readBackMap(ctx, prior.Labels, o.Labels, o.Labels, importing, diags)
	managedHashes := prior.ConfigSHA256
	if importing && o.ConfigFiles != nil {
		m.ConfigFiles = mapValue(o.ConfigFiles, true)
		// The files read back are the managed ones from now on.
		managed := map[string]string{}
		for k := range o.ConfigFiles {
			managed[k] = ""
		}
		managedHashes = mapValue(managed, true)
	}
	m.ConfigSHA256 = readBackHashes(ctx, managedHashes, o.ConfigHashes, diags)

	if importing {
		m.KeepVolumes = types.BoolValue(false)
		m.WaitForReady = types.BoolValue(true)
		m.ReadyPath = types.StringValue(workspace.DefaultReadyPath)
	}
}

// readWorkspacePath is workspace_path as read back; workspace_access is
// the shared rule (ObservedWorkspace.WorkspaceAccess). The bound host
// directory when there is one; else a path the configuration sets with
// workspace_access "none" is ignored and kept; else none.
func readWorkspacePath(prior workspaceModel, o workspace.ObservedWorkspace) types.String {
	switch {
	case o.WorkspacePath != "":
		return types.StringValue(o.WorkspacePath)
	case prior.WorkspaceAccess.ValueString() == workspace.AccessNone:
		return prior.WorkspacePath
	default:
		return types.StringNull()
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

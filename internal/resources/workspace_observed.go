// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The one mapping from what the engine shows of a workspace to Terraform
// values, with one description per attribute. molecule_workspace embeds
// both structs in its model, the molecule_workspace data source too, and
// each element of molecule_workspaces is an observedSummary.

// observedSummary is what a container list shows of a workspace.
type observedSummary struct {
	WorkspaceID     types.String `tfsdk:"workspace_id"`
	Name            types.String `tfsdk:"name"`
	Runtime         types.String `tfsdk:"runtime"`
	Tier            types.Int64  `tfsdk:"tier"`
	Image           types.String `tfsdk:"image"`
	ImageID         types.String `tfsdk:"image_id"`
	ImageDigest     types.String `tfsdk:"image_digest"`
	Status          types.String `tfsdk:"status"`
	Running         types.Bool   `tfsdk:"running"`
	ContainerID     types.String `tfsdk:"container_id"`
	ContainerName   types.String `tfsdk:"container_name"`
	Network         types.String `tfsdk:"network"`
	ConfigVolume    types.String `tfsdk:"config_volume"`
	WorkspaceVolume types.String `tfsdk:"workspace_volume"`
	WorkspaceAccess types.String `tfsdk:"workspace_access"`
	WorkspacePath   types.String `tfsdk:"workspace_path"`
	HostURL         types.String `tfsdk:"host_url"`
	InternalURL     types.String `tfsdk:"internal_url"`
	Labels          types.Map    `tfsdk:"labels"`
}

// observedDetails is what only an inspect of the container shows.
type observedDetails struct {
	MemoryMB     types.Int64   `tfsdk:"memory_mb"`
	CPUs         types.Float64 `tfsdk:"cpus"`
	PlatformURL  types.String  `tfsdk:"platform_url"`
	RestartCount types.Int64   `tfsdk:"restart_count"`
	OOMKilled    types.Bool    `tfsdk:"oom_killed"`
	Isolation    types.String  `tfsdk:"isolation"`
}

// summaryOf maps an observation of workspace id, reached in-cluster or on
// its network at internalURL (ProviderData.internalURL), to Terraform values.
func summaryOf(id, internalURL string, o workspace.ObservedWorkspace) observedSummary {
	return observedSummary{
		WorkspaceID:     types.StringValue(id),
		Name:            types.StringValue(o.Name),
		Runtime:         types.StringValue(o.Runtime),
		Tier:            types.Int64Value(int64(o.Tier)),
		Image:           types.StringValue(o.Image),
		ImageID:         types.StringValue(o.ImageID),
		ImageDigest:     types.StringValue(o.ImageDigest),
		Status:          types.StringValue(o.Status),
		Running:         types.BoolValue(o.Running),
		ContainerID:     types.StringValue(o.ContainerID),
		ContainerName:   types.StringValue(workspace.ContainerName(id)),
		Network:         types.StringValue(o.Network),
		ConfigVolume:    types.StringValue(o.ConfigVolume),
		WorkspaceVolume: types.StringValue(o.WorkspaceVolume),
		WorkspaceAccess: types.StringValue(o.WorkspaceAccess()),
		WorkspacePath:   types.StringValue(o.WorkspacePath),
		HostURL:         types.StringValue(o.HostURL()),
		InternalURL:     types.StringValue(internalURL),
		Labels:          mapValue(o.Labels, false),
	}
}

// detailsOf maps what an inspect adds.
func detailsOf(o workspace.ObservedWorkspace) observedDetails {
	return observedDetails{
		MemoryMB:     types.Int64Value(o.MemoryMB),
		CPUs:         types.Float64Value(o.CPUs),
		PlatformURL:  types.StringValue(o.Env["PLATFORM_URL"]),
		RestartCount: types.Int64Value(int64(o.RestartCount)),
		OOMKilled:    types.BoolValue(o.OOMKilled),
		Isolation:    types.StringValue(o.Isolation),
	}
}

// observedAttribute is one attribute of the observed structs: its type and
// its description, shared by the resource and both data sources.
type observedAttribute struct {
	name string
	typ  attr.Type
	desc string
}

// summaryAttributes and detailAttributes follow the structs' fields.
var (
	summaryAttributes = []observedAttribute{
		{"workspace_id", types.StringType, "Platform id of the workspace."},
		{"name", types.StringType, "Display name (a container label)."},
		{"runtime", types.StringType, "Agent runtime."},
		{"tier", types.Int64Type, fmt.Sprintf("Isolation tier, %d-%d (see the `molecule_workspace` resource).", workspace.MinTier, workspace.MaxTier)},
		{"image", types.StringType, "Image reference the container was created from."},
		{"image_id", types.StringType, "ID of the image the container runs."},
		{"image_digest", types.StringType, "Registry digest (`sha256:...`) of the image the container runs, when known: empty for an image built or loaded on the engine without a registry."},
		{"status", types.StringType, "Container state, as Docker reports it: " + quoted(workspace.ContainerStatuses) + "."},
		{"running", types.BoolType, "Whether the container runs (and is not restarting)."},
		{"container_id", types.StringType, "Docker container ID."},
		{"container_name", types.StringType, fmt.Sprintf("Container name and network alias: `ws-<first %d characters of workspace_id>`.", workspace.ShortIDLength)},
		{"network", types.StringType, "Docker network the container is on (`" + workspace.HostNetworkName + "` for " + hostNetworkTiers() + ")."},
		{"config_volume", types.StringType, "Named volume mounted at `/configs`: `ws-<id12>-configs`."},
		{"workspace_volume", types.StringType, "Named volume mounted at `/workspace` (`ws-<id12>-workspace`), or empty when a host directory is bound or the tier has no `/workspace`."},
		{"workspace_access", types.StringType, workspaceAccessReadDescription()},
		{"workspace_path", types.StringType, "Host directory bound at `/workspace`, or empty."},
		{"host_url", types.StringType, "Agent URL from the engine's host: `http://127.0.0.1:<ephemeral port>`; empty in host-network mode (" + hostNetworkTiers() + ") and while stopped."},
		{"internal_url", types.StringType, fmt.Sprintf("Agent URL for peers on the workspace network: `http://ws-<id12>:%d`.", workspace.AgentPort)},
		{"labels", types.MapType{ElemType: types.StringType}, "The container labels set through the resource's `labels`."},
	}
	detailAttributes = []observedAttribute{
		{"memory_mb", types.Int64Type, "Memory limit in MiB."},
		{"cpus", types.Float64Type, "CPU limit in cores."},
		{"platform_url", types.StringType, "The `PLATFORM_URL` the container was given."},
		{"restart_count", types.Int64Type, "Restarts by Docker's restart policy since the container was created."},
		{"oom_killed", types.BoolType, "Whether the container's last exit was an out-of-memory kill."},
		{"isolation", types.StringType, "Summary of the container's isolation settings (privileged, PID and network mode, read-only rootfs, tmpfs, Docker socket)."},
	}
)

// workspaceAccessReadDescription says how workspace_access is read back
// (workspace.ObservedWorkspace.WorkspaceAccess).
func workspaceAccessReadDescription() string {
	return fmt.Sprintf("How `/workspace` is provided: `%s` (a named volume, or nothing on tier %s), `%s` or `%s` (a host directory bound read-only or read-write).",
		workspace.AccessNone, tierList(func(t workspace.Tier) bool { return !t.HasWorkspace() }, "or"), workspace.AccessReadOnly, workspace.AccessReadWrite)
}

// observedDescription is the shared description of an observed attribute.
func observedDescription(name string) string {
	for _, a := range append(summaryAttributes, detailAttributes...) {
		if a.name == name {
			return a.desc
		}
	}
	panic("no observed attribute " + name)
}

// summaryAttrTypes is the object type of an observedSummary.
func summaryAttrTypes() map[string]attr.Type {
	out := make(map[string]attr.Type, len(summaryAttributes))
	for _, a := range summaryAttributes {
		out[a.name] = a.typ
	}
	return out
}

// computedDataSourceAttributes builds computed data-source attributes.
func computedDataSourceAttributes(list ...[]observedAttribute) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, attrs := range list {
		for _, a := range attrs {
			switch a.typ {
			case types.StringType:
				out[a.name] = schema.StringAttribute{Computed: true, MarkdownDescription: a.desc}
			case types.Int64Type:
				out[a.name] = schema.Int64Attribute{Computed: true, MarkdownDescription: a.desc}
			case types.Float64Type:
				out[a.name] = schema.Float64Attribute{Computed: true, MarkdownDescription: a.desc}
			case types.BoolType:
				out[a.name] = schema.BoolAttribute{Computed: true, MarkdownDescription: a.desc}
			default:
				out[a.name] = schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: a.desc}
			}
		}
	}
	return out
}

// summaryObject is an observedSummary as an object value.
func summaryObject(ctx context.Context, s observedSummary, diags *diag.Diagnostics) attr.Value {
	obj, d := types.ObjectValueFrom(ctx, summaryAttrTypes(), s)
	diags.Append(d...)
	return obj
}

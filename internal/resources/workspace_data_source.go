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
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
)

var _ datasource.DataSourceWithConfigure = (*workspaceDataSource)(nil)

type workspaceDataSource struct{ data *ProviderData }

// NewWorkspaceDataSource is the molecule_workspace data source constructor.
func NewWorkspaceDataSource() datasource.DataSource { return &workspaceDataSource{} }

// workspaceDataModel is molecule_workspace (data source) state.
type workspaceDataModel struct {
	ID              types.String  `tfsdk:"id"`
	WorkspaceID     types.String  `tfsdk:"workspace_id"`
	Name            types.String  `tfsdk:"name"`
	Runtime         types.String  `tfsdk:"runtime"`
	Tier            types.Int64   `tfsdk:"tier"`
	Image           types.String  `tfsdk:"image"`
	ImageID         types.String  `tfsdk:"image_id"`
	MemoryMB        types.Int64   `tfsdk:"memory_mb"`
	CPUs            types.Float64 `tfsdk:"cpus"`
	WorkspaceAccess types.String  `tfsdk:"workspace_access"`
	WorkspacePath   types.String  `tfsdk:"workspace_path"`
	Network         types.String  `tfsdk:"network"`
	PlatformURL     types.String  `tfsdk:"platform_url"`
	Labels          types.Map     `tfsdk:"labels"`
	Running         types.Bool    `tfsdk:"running"`
	Status          types.String  `tfsdk:"status"`
	RestartCount    types.Int64   `tfsdk:"restart_count"`
	OOMKilled       types.Bool    `tfsdk:"oom_killed"`
	Isolation       types.String  `tfsdk:"isolation"`
	ContainerID     types.String  `tfsdk:"container_id"`
	ContainerName   types.String  `tfsdk:"container_name"`
	ConfigVolume    types.String  `tfsdk:"config_volume"`
	WorkspaceVolume types.String  `tfsdk:"workspace_volume"`
	HostURL         types.String  `tfsdk:"host_url"`
	InternalURL     types.String  `tfsdk:"internal_url"`
}

func (d *workspaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (d *workspaceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
}

func (d *workspaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one workspace on the engine by `workspace_id`, whether or not this configuration manages it: its URLs, status, volumes and image. One container inspect; the workspace must exist and carry this provider's ownership label, else the read fails.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				Required:            true,
				Validators:          []validator.String{validators.WorkspaceID()},
				MarkdownDescription: "Platform id of the workspace to look up.",
			},
			"id":               computedString("Same as `workspace_id`."),
			"name":             computedString("Display name."),
			"runtime":          computedString("Agent runtime."),
			"tier":             schema.Int64Attribute{Computed: true, MarkdownDescription: "Isolation tier, 1-4 (see the resource)."},
			"image":            computedString("Image reference the container was created from."),
			"image_id":         computedString("ID of the image the container runs."),
			"memory_mb":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Memory limit in MiB."},
			"cpus":             schema.Float64Attribute{Computed: true, MarkdownDescription: "CPU limit in cores."},
			"workspace_access": computedString("How `/workspace` is provided: `none` (named volume or, on tier 1, nothing), `read_only` or `read_write` (host directory)."),
			"workspace_path":   computedString("Host directory bound at `/workspace`, or empty."),
			"network":          computedString("Docker network the container is on (`host` for tier 4)."),
			"platform_url":     computedString("The `PLATFORM_URL` the container was given."),
			"labels": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The container labels set through the resource's `labels`.",
			},
			"running":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the container runs (and is not restarting)."},
			"status":         computedString("Container state: `running`, `exited`, `restarting`, `created`, `paused` or `dead`."),
			"restart_count":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Restarts by Docker's restart policy since the container was created."},
			"oom_killed":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the last exit was an out-of-memory kill."},
			"isolation":      computedString("Summary of the container's isolation settings (privileged, PID and network mode, read-only rootfs, tmpfs, Docker socket)."),
			"container_id":   computedString("Docker container ID."),
			"container_name": computedString("Container name and network alias: `ws-<id12>`."),
			"config_volume":  computedString("Named volume mounted at `/configs`."),
			"workspace_volume": computedString(
				"Named volume mounted at `/workspace`, or empty when a host directory is bound or the tier has no `/workspace`."),
			"host_url":     computedString("Agent URL from the engine's host, `http://127.0.0.1:<port>`; empty in host-network mode and while stopped."),
			"internal_url": computedString("Agent URL for peers on the workspace network: `http://ws-<id12>:8000`."),
		},
	}
}

func (d *workspaceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspaceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	id := m.WorkspaceID.ValueString()
	obs, err := d.data.Engine.Inspect(ctx, id, false)
	if err != nil {
		resp.Diagnostics.AddError("Reading workspace "+id+" failed", err.Error())
		return
	}
	if !obs.Exists {
		resp.Diagnostics.AddAttributeError(path.Root("workspace_id"), "Workspace not found",
			fmt.Sprintf("no container %s managed by this provider exists on %s for workspace %s. Use the molecule_workspaces data source to list the workspaces that do.", provisioner.ContainerName(id), d.data.Engine.Host(), id))
		return
	}
	m.ID = types.StringValue(id)
	m.Name = types.StringValue(obs.Name)
	m.Runtime = types.StringValue(obs.Runtime)
	m.Tier = types.Int64Value(int64(obs.Tier))
	m.Image = types.StringValue(obs.Image)
	m.ImageID = types.StringValue(obs.ImageID)
	m.MemoryMB = types.Int64Value(obs.MemoryMB)
	m.CPUs = types.Float64Value(obs.CPUs)
	m.WorkspaceAccess = types.StringValue(obs.WorkspaceAccess())
	m.WorkspacePath = types.StringValue(obs.WorkspacePath)
	m.Network = types.StringValue(obs.Network)
	m.PlatformURL = types.StringValue(obs.Env["PLATFORM_URL"])
	m.Labels = mapValue(obs.Labels, false)
	m.Running = types.BoolValue(obs.Running)
	m.Status = types.StringValue(obs.Status)
	m.RestartCount = types.Int64Value(int64(obs.RestartCount))
	m.OOMKilled = types.BoolValue(obs.OOMKilled)
	m.Isolation = types.StringValue(obs.Isolation)
	m.ContainerID = types.StringValue(obs.ContainerID)
	m.ContainerName = types.StringValue(provisioner.ContainerName(id))
	m.ConfigVolume = types.StringValue(obs.ConfigVolume)
	m.WorkspaceVolume = types.StringValue(obs.WorkspaceVolume)
	m.HostURL = types.StringValue(obs.HostURL())
	m.InternalURL = types.StringValue(provisioner.InternalURL(id))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

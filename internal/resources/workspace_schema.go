// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// capitalize upper-cases the first letter of an ASCII sentence fragment.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

var (
	replaceString = []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keepString    = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
)

func (r *workspaceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One Molecule AI agent workspace: a Docker container running the runtime's image, a config volume at `/configs` holding `config.yaml`, and a `/workspace` volume or host directory. Apply waits until the agent serves; refresh inspects the container and reads `/configs` back, so changes made outside Terraform show in the plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "Same as `workspace_id`.",
			},
			"workspace_id": schema.StringAttribute{
				Required: true, PlanModifiers: replaceString,
				Validators:          []validator.String{validators.WorkspaceID()},
				MarkdownDescription: fmt.Sprintf("Platform id of the workspace (usually a UUID). Docker names derive from its first %d characters (`ws-<id12>`), which must therefore be unique per engine. %s, starting with %s, at most %d characters. Changing it replaces the workspace.", workspace.ShortIDLength, capitalize(validators.NameCharacters), validators.NameStart, validators.MaxWorkspaceIDLength),
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "Display name, recorded as a container label. Default: `workspace_id`. Changing it replaces the container (Docker cannot relabel).",
			},
			"runtime": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(workspace.DefaultRuntime),
				PlanModifiers:       replaceString,
				MarkdownDescription: "Agent runtime: " + quoted(workspace.KnownRuntimes()) + ", or a runtime added through the provider's `runtime_images`. Default: `" + workspace.DefaultRuntime + "`. Changing it replaces the workspace.",
			},
			"image": schema.StringAttribute{
				Optional: true, Computed: true, PlanModifiers: keepString,
				Validators:          []validator.String{validators.ImageReference()},
				MarkdownDescription: "Image to run: a tag (`ghcr.io/molecule-ai/workspace-template-langgraph:latest`, `my-build:dev`) or a digest-pinned reference (`repo@sha256:...`, `repo:tag@sha256:...`, where the digest decides). Default: the provider's `runtime_images` entry for `runtime`, else `" + workspace.DefaultImage("<image_registry>", "<runtime>") + "`. Pulled as `image_pull` says. Changing it replaces the workspace.",
			},
			"image_pull": schema.StringAttribute{
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(workspace.PullPolicies...)},
				MarkdownDescription: "Pull policy of this workspace's image, over the provider's `image_pull`: " + quoted(workspace.PullPolicies) + " (see the provider). With `always`, a tag that now points to another digest plans a replacement showing the old and new `image_digest`. Default: the provider's.",
			},
			"image_digest": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "Registry digest (`sha256:...`) of the image the container runs, when known: empty for an image built or loaded on the engine without a registry. With `image_pull = \"always\"` the plan shows the digest the registry serves now; a change replaces the workspace.",
			},
			"image_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("image_id") + " When the tag is rebuilt (a new ID under the same tag), the plan shows the old and new IDs and replaces the workspace.",
			},
			"tier": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(workspace.DefaultTier),
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators:          []validator.Int64{int64validator.Between(workspace.MinTier, workspace.MaxTier)},
				MarkdownDescription: tierDescription(),
			},
			"memory_mb": schema.Int64Attribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				Validators:          []validator.Int64{int64validator.Between(6, 1<<20)},
				MarkdownDescription: "Memory limit in MiB (no swap). Default: the tier's (" + tierDefaultsText(func(l workspace.TierLimits) string { return strconv.FormatInt(l.MemoryMB, 10) }) + "). Updated in place.",
			},
			"cpus": schema.Float64Attribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Float64{float64planmodifier.UseStateForUnknown()},
				Validators:          []validator.Float64{float64validator.Between(0.01, 1024)},
				MarkdownDescription: "CPU limit in cores. Default: the tier's (" + tierDefaultsText(func(l workspace.TierLimits) string { return strconv.FormatFloat(l.CPUs, 'f', -1, 64) }) + "), capped at the engine's CPU count (Docker refuses more). Updated in place.",
			},
			"workspace_access": schema.StringAttribute{
				Optional: true, Computed: true, PlanModifiers: keepString,
				Validators:          []validator.String{stringvalidator.OneOf(workspace.AccessModes...)},
				MarkdownDescription: "How `/workspace` is provided: " + quoted(workspace.AccessModes) + ". `none` gives an isolated named volume (`workspace_path` ignored); `read_only` and `read_write` bind `workspace_path`, which they require. Default: `read_write` when `workspace_path` is set, else `none`. `read_only` and `read_write` are not allowed with tier " + tierList(func(t workspace.Tier) bool { return !t.HasWorkspace() }, "or") + ", which has no `/workspace`. Changing it replaces the workspace.",
			},
			"workspace_path": schema.StringAttribute{
				Optional: true, PlanModifiers: replaceString,
				Validators:          []validator.String{validators.AbsolutePath()},
				MarkdownDescription: "Absolute host directory bound at `/workspace` (see `workspace_access`). It must exist on the engine's host (checked at plan when the engine is local); it is never created or deleted. The host's root, its system directories (`/etc`, `/usr`, `/var/lib/docker`, ...) and any directory holding the Docker socket are refused unless the provider has `allow_privileged_tiers`: binding them is host access. Changing it replaces the workspace.",
			},
			"template_path": schema.StringAttribute{
				Optional:            true,
				Validators:          []validator.String{validators.AbsolutePath()},
				MarkdownDescription: fmt.Sprintf("Absolute host directory copied into `/configs` before the container starts. It must hold a regular `config.yaml` unless `config_files` provides one. Regular files, directories and symlinks (kept as symlinks, pointing inside the template) are copied with their modes (credential-looking files such as `.auth_token` or `*.pem` lose group and other permissions); YAML and JSON files must be UTF-8 without NUL bytes; special files, files over %d bytes or more than %d bytes in all are refused at plan. Its files are read back on refresh; edits on either side show in the plan and are rewritten in place (the container restarts).", workspace.MaxConfigFileBytes, workspace.MaxConfigTotalBytes),
			},
			"config_files": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Validators:          []validator.Map{validators.ConfigFiles()},
				MarkdownDescription: "Files written into `/configs` before start, relative path -> content; they win over `template_path` files of the same path. A new workspace needs `config.yaml` here or in `template_path`. Keys must be clean relative paths without `..`. Secret-looking names (`.auth_token`, `*token*`, `*.key`, ...) get mode 0600, others 0644. Read back on refresh; changes are rewritten in place (the container restarts).",
			},
			"env": schema.MapAttribute{
				Optional: true, Sensitive: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				Validators:          []validator.Map{validators.EnvVars(workspace.InjectedEnvKeys)},
				MarkdownDescription: "Extra environment variables (API keys and the like), sensitive. Keys the provider injects itself (" + quoted(workspace.InjectedEnvKeys) + ") are refused. Read back on refresh; Docker cannot change env in place, so a change replaces the container.",
			},
			"secret_env_wo": schema.MapAttribute{
				Optional: true, Sensitive: true, WriteOnly: true, ElementType: types.StringType,
				// Without a version later changes could never be rolled out:
				// write-only values are not stored to compare with.
				Validators:          []validator.Map{validators.EnvVars(workspace.InjectedEnvKeys), mapvalidator.AlsoRequires(path.MatchRoot("secret_env_wo_version"))},
				MarkdownDescription: "Write-only environment variables (Terraform 1.11 and later): API keys that never enter the plan or the state. They are set when the container is created; Terraform cannot see them afterwards, so bump `secret_env_wo_version` to roll out new values (which replaces the container). Keys follow the rules of `env` and must not repeat one of its keys. Only the keys are recorded, in a container label.",
			},
			"secret_env_wo_version": schema.Int64Attribute{
				Optional: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				MarkdownDescription: "Version of `secret_env_wo`, required with it. Change it to apply new secret values: the container is replaced. Recorded in a container label and read back, so import keeps it.",
			},
			"platform_token_wo": schema.StringAttribute{
				Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "Write-only (Terraform 1.11 and later): the workspace's platform token, usually `molecule_platform_workspace.<name>.auth_token`. Written to `/configs/" + workspace.AuthTokenFile + "` (mode 0600, owner 1000) before the container starts, where the runtime reads it for registration and heartbeats; never in the plan, the state or the logs. Terraform cannot see it afterwards: it is written whenever the container is created, so every replacement writes the value the configuration holds then. To roll out a new token without another change, bump `platform_token_wo_version` (which replaces the container). Requires `platform_token_wo_version`.",
			},
			"platform_token_wo_version": schema.Int64Attribute{
				Optional: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				MarkdownDescription: "Version of `platform_token_wo`, required with it. Change it to write a new token: the container is replaced (the volumes stay). Recorded in a container label and read back, so import keeps it.",
			},
			"platform_url": schema.StringAttribute{
				Optional: true, Computed: true, PlanModifiers: keepString,
				MarkdownDescription: "Injected as `PLATFORM_URL` and `MOLECULE_URL`. Default: the provider's `platform_url`. Changing it replaces the container.",
			},
			"awareness_url": schema.StringAttribute{
				Optional: true, PlanModifiers: replaceString,
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("awareness_namespace"))},
				MarkdownDescription: "Injected as `AWARENESS_URL`; requires `awareness_namespace`. Changing it replaces the container.",
			},
			"awareness_namespace": schema.StringAttribute{
				Optional: true, PlanModifiers: replaceString,
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("awareness_url"))},
				MarkdownDescription: "Injected as `AWARENESS_NAMESPACE`; requires `awareness_url`. Changing it replaces the container.",
			},
			"network": schema.StringAttribute{
				Optional: true, Computed: true, PlanModifiers: keepString,
				Validators:          []validator.String{validators.NetworkName()},
				MarkdownDescription: "Docker network to join, with `container_name` as alias. It must exist (see `molecule_network`). Default: the provider's `network`. Ignored by " + hostNetworkTiers() + ", which joins the host's network (`" + workspace.HostNetworkName + "`). Changing it replaces the container.",
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				Validators:          []validator.Map{validators.UserLabels()},
				MarkdownDescription: "Extra container labels. Keys under `ai.molecule.terraform.` are reserved. Read back on refresh; Docker cannot relabel, so a change replaces the container.",
			},
			"running": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the container should run. Default: `true`. A container stopped outside Terraform reads `false`, and apply starts it again.",
			},
			"keep_volumes": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Keep the config and workspace volumes (and claude-code's sessions volume) on destroy. Default: `false` (they are removed; a host `workspace_path` is never touched). Anonymous volumes the engine made for the image's `VOLUME` paths are removed with the container either way: no later container could use them.",
			},
			"wait_for_ready": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Wait, on create and on updates that (re)start the container, until the agent answers HTTP at `ready_path`. A container that exits, restarts or is OOM-killed meanwhile fails the apply at once with its exit code and last log lines, is stopped, and is replaced by the next apply. On a remote engine (tcp/ssh host that is not loopback) the agent's `127.0.0.1` port is out of reach, so ready means running for 3 s without a restart. Default: `true`.",
			},
			"ready_path": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(workspace.DefaultReadyPath),
				Validators:          []validator.String{stringvalidator.RegexMatches(readyPathPattern, "must be an absolute URL path such as /.well-known/agent-card.json")},
				MarkdownDescription: fmt.Sprintf("HTTP path polled on port %d to decide that the agent serves. Default: `%s`.", workspace.AgentPort, workspace.DefaultReadyPath),
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),

			"container_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("container_id"),
			},
			"container_name": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("container_name"),
			},
			"config_volume": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("config_volume"),
			},
			"workspace_volume": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("workspace_volume"),
			},
			"host_url": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("host_url"),
			},
			"internal_url": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("internal_url"),
			},
			"status": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("status") + " Or `" + workspace.StatusUnknown + "`: a create or destroy failed half-way and the record is kept so that the next apply or destroy finishes the job.",
			},
			"restart_count": schema.Int64Attribute{
				Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: observedDescription("restart_count"),
			},
			"oom_killed": schema.BoolAttribute{
				Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: observedDescription("oom_killed"),
			},
			"isolation": schema.StringAttribute{
				Computed: true, PlanModifiers: keepString,
				MarkdownDescription: observedDescription("isolation") + " Read back on refresh; a change made outside Terraform shows here and replaces the container.",
			},
			"config_sha256": schema.MapAttribute{
				Computed: true, ElementType: types.StringType, PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "SHA-256 of each managed file in `/configs` (from `template_path` and `config_files`, plus `config.yaml`), read back on refresh. A file edited or deleted outside Terraform shows here and is rewritten in place.",
			},
		},
	}
}

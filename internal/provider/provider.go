// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package provider defines the molecule provider: its schema, its
// configuration and the Docker engine connection it hands to resources.
package provider

import (
	"context"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources/validators"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

var _ provider.Provider = (*moleculeProvider)(nil)

type moleculeProvider struct {
	version string
	// backend, when set, is used instead of the Docker engine the provider
	// block describes (see NewWithBackend).
	backend workspace.Backend
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &moleculeProvider{version: version} }
}

// NewWithBackend is New with b in place of the Docker engine (host, TLS and
// ssh settings are not used; a kubernetes block still selects its cluster):
// the seam through which unit tests run the real provider on a fake backend
// (internal/fakebackend) without any engine. b outlives each provider
// instance, so it keeps state across the Terraform commands of a test.
func NewWithBackend(version string, b workspace.Backend) func() provider.Provider {
	return func() provider.Provider { return &moleculeProvider{version: version, backend: b} }
}

type providerModel struct {
	Host                 types.String     `tfsdk:"host"`
	CAMaterial           types.String     `tfsdk:"ca_material"`
	CertMaterial         types.String     `tfsdk:"cert_material"`
	KeyMaterial          types.String     `tfsdk:"key_material"`
	CertPath             types.String     `tfsdk:"cert_path"`
	SSHOpts              types.List       `tfsdk:"ssh_opts"`
	Network              types.String     `tfsdk:"network"`
	PlatformURL          types.String     `tfsdk:"platform_url"`
	PlatformAPIURL       types.String     `tfsdk:"platform_api_url"`
	PlatformAdminToken   types.String     `tfsdk:"platform_admin_token"`
	RuntimeImages        types.Map        `tfsdk:"runtime_images"`
	AllowPrivilegedTiers types.Bool       `tfsdk:"allow_privileged_tiers"`
	ImageRegistry        types.String     `tfsdk:"image_registry"`
	ImagePull            types.String     `tfsdk:"image_pull"`
	RegistryAuth         types.List       `tfsdk:"registry_auth"`
	Kubernetes           *kubernetesModel `tfsdk:"kubernetes"`
}

// registryAuthModel is one registry_auth entry.
type registryAuthModel struct {
	Address  types.String `tfsdk:"address"`
	Username types.String `tfsdk:"username"`
	Password types.String `tfsdk:"password"`
}

func (p *moleculeProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "molecule"
	resp.Version = p.version
}

func (p *moleculeProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs Molecule AI agent workspaces as Docker containers (one container, a config volume and an optional `/workspace` volume or host directory per workspace), or, with a `kubernetes` block, on a Kubernetes cluster.",
		Blocks:              map[string]schema.Block{"kubernetes": kubernetesBlock()},
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Docker engine address: `unix:///path`, `tcp://host:port` or `ssh://user@host`. Default: `DOCKER_HOST`, else `" + docker.DefaultHost + "`. The API version is negotiated (engine 20.10 / API 1.41 and later).",
			},
			"ca_material": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "PEM CA certificate that signed the engine's TLS certificate. Default: `ca.pem` under `cert_path` or `DOCKER_CERT_PATH`.",
			},
			"cert_material": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("key_material"))},
				MarkdownDescription: "PEM client certificate for TLS engines. Default: `cert.pem` under `cert_path` or `DOCKER_CERT_PATH`.",
			},
			"key_material": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("cert_material"))},
				MarkdownDescription: "PEM private key of `cert_material`. Default: `key.pem` under `cert_path` or `DOCKER_CERT_PATH`.",
			},
			"cert_path": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Directory holding `ca.pem`, `cert.pem` and `key.pem`. Default: `DOCKER_CERT_PATH` (with `DOCKER_TLS_VERIFY`).",
			},
			"ssh_opts": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Extra arguments for the local `ssh` client when `host` is `ssh://user@host[:port]`, e.g. `[\"-i\", \"/path/key\", \"-o\", \"StrictHostKeyChecking=yes\"]`. The remote host needs the `docker` CLI (`docker system dial-stdio`). Default: none.",
			},
			"network": schema.StringAttribute{
				Optional:            true,
				Validators:          []validator.String{validators.NetworkName()},
				MarkdownDescription: "Docker network that workspaces join unless they name their own. Default: `" + workspace.DefaultNetwork + "`.",
			},
			"platform_url": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Platform URL injected as `PLATFORM_URL` and `MOLECULE_URL` unless a workspace sets its own: the address the agents use. Default: empty.",
			},
			"platform_api_url": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Where Terraform reaches the Molecule platform's API (for `molecule_platform_workspace` and the plan-time look at each workspace's platform record), when it differs from the agents' `platform_url`. Default: `platform_url`. With neither set the platform is never contacted.",
			},
			"platform_admin_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "The platform's admin token (its `ADMIN_TOKEN`), needed to create, change and delete `molecule_platform_workspace` records. Default: `MOLECULE_ADMIN_TOKEN`. Reading records needs no token.",
			},
			"runtime_images": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Map of runtime name to image, laid over the default table `" + workspace.DefaultImage("<image_registry>", "<runtime>") + "` for " + quoted(workspace.KnownRuntimes()) + ". Entries win over the table; new keys add runtimes. Any reference works: a registry name, a local tag (`my-build:dev`) or a digest-pinned one (`repo@sha256:...`, `repo:tag@sha256:...`).",
			},
			"image_registry": schema.StringAttribute{
				Optional: true,
				Validators: []validator.String{stringvalidator.RegexMatches(imageRegistryPattern,
					"must be a registry host with an optional namespace and no scheme or tag, e.g. ghcr.io/molecule-ai or 123456789012.dkr.ecr.eu-west-1.amazonaws.com/molecule")},
				MarkdownDescription: "Registry (host and namespace) of the default image table, `" + workspace.DefaultImage("<image_registry>", "<runtime>") + "`: one line moves every default image to a mirror or a private registry. Default: `MOLECULE_IMAGE_REGISTRY`, else `" + workspace.DefaultImageRegistry + "`.",
			},
			"image_pull": schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(workspace.PullPolicies...)},
				MarkdownDescription: "When to pull images, unless a workspace sets its own `image_pull`: `missing` pulls an image the engine lacks (checked against the registry at plan, so a wrong name or login fails the plan); " +
					"`always` asks the registry at every plan for the digest the tag points to now and, when it differs from the one the workspace runs, plans a replacement showing both digests, then pulls at apply; " +
					"`never` pulls nothing (a missing image fails the plan). A no-change plan with `missing` makes no registry call; `always` makes one per distinct image. Default: `missing`.",
			},
			"registry_auth": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Registry logins for pulls and digest lookups. They win over the Docker client configuration of the machine running Terraform (`DOCKER_CONFIG`, else `~/.docker/config.json`: its `auths`, and its credential helpers when their `docker-credential-*` binary is on `PATH`), which is used for registries not listed here.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Registry host (`ghcr.io`, `registry.example.com:5000`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com`); a scheme or path is ignored, `index.docker.io` means `docker.io`.",
					},
					"username": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "User name (for ECR: `AWS`).",
					},
					"password": schema.StringAttribute{
						Required: true, Sensitive: true,
						MarkdownDescription: "Password or token (for ECR: `aws ecr get-login-password`). Sensitive: never logged, shown or stored in state.",
					},
				}},
			},
			"allow_privileged_tiers": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Permit the privileged tiers: " + privilegedTiersText() + ". Default: `false`.",
			},
		},
	}
}

func (p *moleculeProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data, diags := configure(ctx, cfg, p.backend)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *moleculeProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{resources.NewWorkspaceResource, resources.NewNetworkResource, resources.NewPlatformWorkspaceResource}
}

func (p *moleculeProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return resources.DataSources()
}

// imageRegistryPattern accepts host[:port][/namespace...] without a scheme or tag.
var imageRegistryPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)

func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

// privilegedTiersText names the tiers allow_privileged_tiers permits, from
// the tier table.
func privilegedTiersText() string {
	var tiers []string
	for _, t := range workspace.Tiers() {
		if t.Privileged {
			tiers = append(tiers, t.Summary())
		}
	}
	return strings.Join(tiers, " and ")
}

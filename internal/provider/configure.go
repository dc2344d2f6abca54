// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
	"github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/resources"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// configure turns the provider block into a connected engine and defaults;
// a non-nil backend (NewWithBackend) is used instead of the Docker engine.
func configure(ctx context.Context, cfg providerModel, backend workspace.Backend) (*resources.ProviderData, diag.Diagnostics) {
	var diags diag.Diagnostics
	for attr, v := range map[string]bool{
		"host": cfg.Host.IsUnknown(), "network": cfg.Network.IsUnknown(), "runtime_images": cfg.RuntimeImages.IsUnknown(),
		"image_registry": cfg.ImageRegistry.IsUnknown(), "image_pull": cfg.ImagePull.IsUnknown(), "registry_auth": cfg.RegistryAuth.IsUnknown(),
		"platform_url": cfg.PlatformURL.IsUnknown(), "platform_api_url": cfg.PlatformAPIURL.IsUnknown(),
	} {
		if v {
			diags.AddAttributeError(path.Root(attr), "Unknown provider setting", fmt.Sprintf("%s must be known at plan time; do not derive it from a resource created in the same apply.", attr))
		}
	}
	if diags.HasError() {
		return nil, diags
	}
	overrides := map[string]string{}
	diags.Append(cfg.RuntimeImages.ElementsAs(ctx, &overrides, false)...)
	for rt, img := range overrides {
		if img == "" {
			diags.AddAttributeError(path.Root("runtime_images").AtMapKey(rt), "Empty image", fmt.Sprintf("runtime_images[%q] is empty: give an image reference such as %s.", rt, workspace.DefaultImage(workspace.DefaultImageRegistry, rt)))
		} else if _, err := workspace.ParseImageRef(img); err != nil {
			diags.AddAttributeError(path.Root("runtime_images").AtMapKey(rt), "Invalid image reference", err.Error())
		}
	}
	creds := registryCredentials(ctx, cfg.RegistryAuth, &diags)
	if cfg.Kubernetes != nil {
		return configureOnKubernetes(ctx, cfg, overrides, creds, diags)
	}
	var sshOpts []string
	diags.Append(cfg.SSHOpts.ElementsAs(ctx, &sshOpts, false)...)
	if diags.HasError() {
		return nil, diags
	}
	if backend == nil {
		engine, engineDiags := dockerEngine(ctx, cfg, creds, sshOpts)
		diags.Append(engineDiags...)
		if diags.HasError() {
			return nil, diags
		}
		backend = engine
	}
	platformClient, platformDiags := platformClient(cfg)
	diags.Append(platformDiags...)
	if diags.HasError() {
		return nil, diags
	}
	network := cfg.Network.ValueString()
	if network == "" {
		network = workspace.DefaultNetwork
	}
	return &resources.ProviderData{
		Backend:              backend,
		Network:              network,
		PlatformURL:          cfg.PlatformURL.ValueString(),
		RuntimeImages:        workspace.RuntimeImages(imageRegistry(cfg.ImageRegistry), overrides),
		AllowPrivilegedTiers: cfg.AllowPrivilegedTiers.ValueBool(),
		ImagePull:            orDefault(cfg.ImagePull.ValueString(), workspace.PullMissing),
		RegistryPasswords:    registryPasswords(creds),
		Platform:             platformClient,
	}, diags
}

// dockerEngine connects to the engine the provider block describes. It is
// pinged once here, so an engine that does not answer gives one error naming
// the host before any resource is planned or touched.
func dockerEngine(ctx context.Context, cfg providerModel, creds []workspace.RegistryCredential, sshOpts []string) (*docker.Engine, diag.Diagnostics) {
	var diags diag.Diagnostics
	engine, err := docker.NewEngine(docker.EngineConfig{
		Host:                cfg.Host.ValueString(),
		CAMaterial:          cfg.CAMaterial.ValueString(),
		CertMaterial:        cfg.CertMaterial.ValueString(),
		KeyMaterial:         cfg.KeyMaterial.ValueString(),
		CertPath:            cfg.CertPath.ValueString(),
		SSHOptions:          sshOpts,
		RoundTripperWrapper: apiCallCounter(),
		Credentials:         docker.Credentials{Explicit: creds},
	})
	if err != nil {
		diags.Append(engineSettingsDiagnostic(err))
		return nil, diags
	}
	if err := engine.Ping(ctx); err != nil {
		diags.AddError("Docker engine unreachable", err.Error()+". Start it, or set the provider's host (or DOCKER_HOST) to an engine that runs.")
		return nil, diags
	}
	return engine, diags
}

// configureOnKubernetes is configure for a provider with a kubernetes
// block: its workspaces run on that cluster, on its pod network.
func configureOnKubernetes(ctx context.Context, cfg providerModel, overrides map[string]string, creds []workspace.RegistryCredential, diags diag.Diagnostics) (*resources.ProviderData, diag.Diagnostics) {
	cluster, kdiags := configureKubernetes(ctx, cfg)
	diags.Append(kdiags...)
	if len(creds) > 0 {
		diags.AddAttributeWarning(path.Root("registry_auth"), "registry_auth is not used on Kubernetes",
			"On Kubernetes the nodes pull images with the cluster's credentials (imagePullSecrets of the namespace's default service account), not the provider's: registry_auth is ignored.")
	}
	if diags.HasError() {
		return nil, diags
	}
	platformClient, platformDiags := platformClient(cfg)
	diags.Append(platformDiags...)
	if diags.HasError() {
		return nil, diags
	}
	return &resources.ProviderData{
		Backend:              cluster,
		Network:              kubernetes.PodNetwork,
		PlatformURL:          cfg.PlatformURL.ValueString(),
		RuntimeImages:        workspace.RuntimeImages(imageRegistry(cfg.ImageRegistry), overrides),
		AllowPrivilegedTiers: cfg.AllowPrivilegedTiers.ValueBool(),
		ImagePull:            orDefault(cfg.ImagePull.ValueString(), workspace.PullMissing),
		RegistryPasswords:    registryPasswords(creds),
		Platform:             platformClient,
	}, diags
}

// imageRegistryEnv overrides the default image registry when the provider
// block sets none.
const imageRegistryEnv = "MOLECULE_IMAGE_REGISTRY"

func imageRegistry(v types.String) string {
	if r := v.ValueString(); r != "" {
		return r
	}
	return orDefault(os.Getenv(imageRegistryEnv), workspace.DefaultImageRegistry)
}

// registryCredentials reads registry_auth; an address given twice is an error.
func registryCredentials(ctx context.Context, list types.List, diags *diag.Diagnostics) []workspace.RegistryCredential {
	var entries []registryAuthModel
	diags.Append(list.ElementsAs(ctx, &entries, false)...)
	seen := map[string]bool{}
	var out []workspace.RegistryCredential
	for i, e := range entries {
		host := workspace.NormalizeRegistryHost(e.Address.ValueString())
		at := path.Root("registry_auth").AtListIndex(i).AtName("address")
		switch {
		case host == "":
			diags.AddAttributeError(at, "Empty registry address", "registry_auth entries need a registry host such as ghcr.io.")
		case seen[host]:
			diags.AddAttributeError(at, "Registry listed twice", fmt.Sprintf("registry_auth has two entries for %s: keep one.", host))
		}
		seen[host] = true
		out = append(out, workspace.RegistryCredential{Address: e.Address.ValueString(), Username: e.Username.ValueString(), Password: e.Password.ValueString()})
	}
	return out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func registryPasswords(creds []workspace.RegistryCredential) []string {
	var out []string
	for _, c := range creds {
		if c.Password != "" {
			out = append(out, c.Password)
		}
	}
	return out
}

// platformClient returns the platform API client, nil when neither
// platform_api_url nor platform_url is set. It does not contact the platform:
// an unreachable platform only warns, when a resource asks it something.
func platformClient(cfg providerModel) (*platform.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	apiURL := cfg.PlatformAPIURL.ValueString()
	at := path.Root("platform_api_url")
	if apiURL == "" {
		apiURL, at = cfg.PlatformURL.ValueString(), path.Root("platform_url")
	}
	if apiURL == "" {
		return nil, diags
	}
	token := cfg.PlatformAdminToken.ValueString()
	if cfg.PlatformAdminToken.IsNull() {
		token = os.Getenv("MOLECULE_ADMIN_TOKEN")
	}
	client, err := platform.New(apiURL, token)
	if err != nil {
		diags.AddAttributeError(at, "Invalid platform URL", err.Error())
	}
	return client, diags
}

// engineSettingsDiagnostic puts an engine-settings error on the attribute
// it came from: TLS material on ca_material, cert_material or cert_path
// (DOCKER_CERT_PATH counts as cert_path), everything else on host.
func engineSettingsDiagnostic(err error) diag.Diagnostic {
	var tlsErr *docker.TLSError
	if !errors.As(err, &tlsErr) {
		return diag.NewAttributeErrorDiagnostic(path.Root("host"), "Invalid Docker engine settings", err.Error())
	}
	attr := "cert_path"
	switch {
	case tlsErr.Source.Dir != "":
	case tlsErr.Part == docker.TLSPartCA:
		attr = "ca_material"
	default:
		attr = "cert_material"
	}
	detail := fmt.Sprintf("%s: %s.", attr, tlsErr)
	if tlsErr.Source.FromEnv {
		detail += " Fix the files in DOCKER_CERT_PATH, or set cert_path or the *_material attributes."
	}
	return diag.NewAttributeErrorDiagnostic(path.Root(attr), "Invalid TLS material", detail)
}

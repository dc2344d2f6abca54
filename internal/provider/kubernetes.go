// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
)

// kubernetesModel is the provider's kubernetes block. Its connection
// settings are named like the hashicorp/kubernetes provider's.
type kubernetesModel struct {
	ConfigPath           types.String `tfsdk:"config_path"`
	ConfigContext        types.String `tfsdk:"config_context"`
	Host                 types.String `tfsdk:"host"`
	Token                types.String `tfsdk:"token"`
	ClientCertificate    types.String `tfsdk:"client_certificate"`
	ClientKey            types.String `tfsdk:"client_key"`
	ClusterCACertificate types.String `tfsdk:"cluster_ca_certificate"`
	Namespace            types.String `tfsdk:"namespace"`
	StorageClass         types.String `tfsdk:"storage_class"`
	ConfigInitImage      types.String `tfsdk:"config_init_image"`
}

// kubernetesBlock is the schema of the kubernetes block.
func kubernetesBlock() schema.SingleNestedBlock {
	str := func(desc string, sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Sensitive: sensitive, MarkdownDescription: desc}
	}
	return schema.SingleNestedBlock{
		MarkdownDescription: "Run this provider's workspaces on a Kubernetes cluster instead of a Docker engine: each workspace is a Deployment (Recreate, one pod), a Service, PersistentVolumeClaims and two Secrets in `namespace`. " +
			"The Docker settings (`host`, `ca_material`, `cert_material`, `key_material`, `cert_path`, `ssh_opts`, `network`) do not apply with it; use a second provider alias for a Docker engine. See the guide \"Running workspaces on Kubernetes\".",
		Attributes: map[string]schema.Attribute{
			"config_path":            str("kubeconfig file. Default: `KUBECONFIG`, else `~/.kube/config` (none is read when `host` is set without `config_path`).", false),
			"config_context":         str("Context of the kubeconfig to use. Default: its current context.", false),
			"host":                   str("API server URL, e.g. `https://10.0.0.1:6443`; overrides the kubeconfig's.", false),
			"token":                  str("Bearer token for the API server.", true),
			"client_certificate":     str("PEM client certificate for the API server (with `client_key`).", false),
			"client_key":             str("PEM private key of `client_certificate`.", true),
			"cluster_ca_certificate": str("PEM CA certificate of the API server.", false),
			"namespace":              str("Namespace of the workspaces; created, labelled as the provider's, when absent. Default: `"+kubernetes.DefaultNamespace+"`.", false),
			"storage_class":          str("StorageClass of the workspaces' claims (`/configs`, `/workspace`). Default: the cluster's default class.", false),
			"config_init_image":      str("Image of the init container that writes the config files into `/configs` before the agent starts (`cmd/molecule-configinit`, a static binary FROM scratch; the agent image needs no shell). Default: `"+kubernetes.DefaultConfigInitImage+"`, published with each release of this provider (tagged with its major version and with its exact version); set it to a mirror the cluster can pull from, e.g. on an air-gapped cluster.", false),
		},
	}
}

// dockerOnlySettings are the provider settings that mean nothing with a
// kubernetes block.
func dockerOnlySettings(cfg providerModel) map[string]bool {
	return map[string]bool{
		"host": !cfg.Host.IsNull(), "ca_material": !cfg.CAMaterial.IsNull(), "cert_material": !cfg.CertMaterial.IsNull(),
		"key_material": !cfg.KeyMaterial.IsNull(), "cert_path": !cfg.CertPath.IsNull(), "ssh_opts": !cfg.SSHOpts.IsNull(),
		"network": !cfg.Network.IsNull(),
	}
}

// configureKubernetes connects to the cluster of the kubernetes block and
// pings it, so an unreachable API server is one error naming it.
func configureKubernetes(ctx context.Context, cfg providerModel) (*kubernetes.Cluster, diag.Diagnostics) {
	var diags diag.Diagnostics
	k := cfg.Kubernetes
	for attr, set := range dockerOnlySettings(cfg) {
		if set {
			diags.AddAttributeError(path.Root(attr), "Docker setting with a kubernetes block",
				fmt.Sprintf("%s configures a Docker engine, but this provider runs its workspaces on the Kubernetes cluster of its kubernetes block. Remove %s, or declare a second provider (alias) without the kubernetes block for the Docker engine.", attr, attr))
		}
	}
	for attr, v := range map[string]types.String{"config_path": k.ConfigPath, "config_context": k.ConfigContext, "host": k.Host,
		"token": k.Token, "client_certificate": k.ClientCertificate, "client_key": k.ClientKey,
		"cluster_ca_certificate": k.ClusterCACertificate, "namespace": k.Namespace, "storage_class": k.StorageClass,
		"config_init_image": k.ConfigInitImage} {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root("kubernetes").AtName(attr), "Unknown provider setting", fmt.Sprintf("kubernetes.%s must be known at plan time; do not derive it from a resource created in the same apply.", attr))
		}
	}
	if (k.ClientCertificate.ValueString() == "") != (k.ClientKey.ValueString() == "") {
		diags.AddAttributeError(path.Root("kubernetes").AtName("client_key"), "Incomplete client certificate", "kubernetes.client_certificate and kubernetes.client_key go together: set both or neither.")
	}
	if ns := k.Namespace.ValueString(); ns != "" && !validNamespace(ns) {
		diags.AddAttributeError(path.Root("kubernetes").AtName("namespace"), "Invalid namespace", fmt.Sprintf("namespace %q must be a DNS label: lower case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.", ns))
	}
	if diags.HasError() {
		return nil, diags
	}
	cluster, err := kubernetes.New(kubernetes.Config{
		ConfigPath: k.ConfigPath.ValueString(), ConfigContext: k.ConfigContext.ValueString(), Host: k.Host.ValueString(),
		Token: k.Token.ValueString(), ClientCertificate: k.ClientCertificate.ValueString(), ClientKey: k.ClientKey.ValueString(),
		ClusterCACertificate: k.ClusterCACertificate.ValueString(), Namespace: k.Namespace.ValueString(),
		StorageClass: k.StorageClass.ValueString(), ConfigInitImage: k.ConfigInitImage.ValueString(),
		RoundTripperWrapper: apiCallCounter(),
	})
	if err != nil {
		diags.AddAttributeError(path.Root("kubernetes"), "Kubernetes settings unusable", err.Error())
		return nil, diags
	}
	if err := cluster.Ping(ctx); err != nil {
		diags.AddError("Kubernetes API server unreachable", err.Error()+". Start the cluster, or point the kubernetes block (config_path, config_context or host) at one that runs.")
		return nil, diags
	}
	return cluster, diags
}

func validNamespace(ns string) bool {
	if len(ns) > 63 {
		return false
	}
	for i, c := range ns {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(ns)-1
		if !ok {
			return false
		}
	}
	return ns != ""
}

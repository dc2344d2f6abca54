// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package resources holds the provider's Terraform resources and data
// sources: schemas, plan-time checks and the mapping between Terraform values
// and the workspace model's plain specs and observations.
package resources

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ProviderData is what the provider hands to every resource and data source.
type ProviderData struct {
	// Backend runs the workspaces: a Docker engine or a Kubernetes cluster.
	Backend              workspace.Backend
	Network              string
	PlatformURL          string
	RuntimeImages        map[string]string
	AllowPrivilegedTiers bool
	// ImagePull is the provider's image_pull: the policy of workspaces that set none.
	ImagePull string
	// RegistryPasswords are masked in every log line of a create.
	RegistryPasswords []string
	// Platform is the Molecule platform's API; nil when not configured.
	Platform *platform.Client

	// claims maps a container name to the workspace id that planned it during
	// this run, so two resources that would share Docker names fail at plan.
	claims sync.Map
	// plannedNetworks holds the molecule_network names planned in this run:
	// workspaces may join them although the engine does not have them yet.
	plannedNetworks sync.Map
	// keptAdoptions maps a workspace id to the adoption of a workspace
	// destroyed with keep_volumes during this run, for its replacement.
	keptAdoptions sync.Map
}

// claim records that a workspace being created plans to use its Docker
// names. It returns the other workspace id when another resource in this run
// already did, the same id included: Terraform plans each new resource
// instance once per run, so a second claim is a second resource.
func (p *ProviderData) claim(workspaceID string) (string, bool) {
	prior, loaded := p.claims.LoadOrStore(workspace.ContainerName(workspaceID), workspaceID)
	if loaded {
		return prior.(string), true
	}
	return "", false
}

// providerDataFrom type-asserts what Configure handed over; nil before Configure.
func providerDataFrom(raw any, diags *diag.Diagnostics) *ProviderData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *resources.ProviderData, got %T; this is a bug in the provider", raw))
		return nil
	}
	return data
}

// pullPolicy is a workspace's image_pull, else the provider's.
func (p *ProviderData) pullPolicy(v types.String) string {
	if s := v.ValueString(); s != "" {
		return s
	}
	return p.ImagePull
}

// maskRegistryPasswords keeps registry passwords out of the provider's log.
func (p *ProviderData) maskRegistryPasswords(ctx context.Context) context.Context {
	if len(p.RegistryPasswords) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, p.RegistryPasswords...)
	return tflog.MaskAllFieldValuesStrings(ctx, p.RegistryPasswords...)
}

// DataSources lists the provider's data sources.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{NewWorkspaceDataSource, NewWorkspacesDataSource}
}

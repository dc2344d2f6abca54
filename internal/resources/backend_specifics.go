// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// What a backend other than Docker adds, as optional interfaces in plain
// values: the resources stay free of Kubernetes types.

// addressedBackend gives its workspaces an address of its own (Kubernetes:
// the Service's name in its namespace).
type addressedBackend interface {
	InternalURL(workspaceID string) string
}

// internalURL is the workspace's internal_url on this provider's backend.
func (p *ProviderData) internalURL(workspaceID string) string {
	if a, ok := p.Backend.(addressedBackend); ok {
		return a.InternalURL(workspaceID)
	}
	return workspace.InternalURL(workspaceID)
}

// restrictedBackend cannot apply some attributes (Kubernetes: a host
// directory bind, a named network, ids that are not DNS labels). For a
// planned spec it returns the attributes that cannot apply, each with why
// and what to use instead, and warnings for what applies differently.
type restrictedBackend interface {
	CheckSpec(s workspace.WorkspaceSpec) (errs map[string]error, warnings map[string]string)
}

// checkBackendSpec reports, on a restricted backend, the attributes of the
// planned workspace that cannot apply there (errors on the attribute) and
// those that apply differently (warnings). It returns false when the plan
// cannot go on.
func (p *planner) checkBackendSpec() bool {
	rb, ok := p.r.data.Backend.(restrictedBackend)
	if !ok || p.plan.Network.IsUnknown() || p.plan.WorkspaceAccess.IsUnknown() || p.plan.WorkspacePath.IsUnknown() {
		return true
	}
	spec := toSpec(p.ctx, *p.plan, nil, 0, &p.resp.Diagnostics)
	errs, warnings := rb.CheckSpec(spec)
	for _, attr := range slices.Sorted(maps.Keys(errs)) {
		p.resp.Diagnostics.AddAttributeError(path.Root(attr), "Not supported on "+p.r.data.Backend.Host(), errs[attr].Error())
	}
	for _, attr := range slices.Sorted(maps.Keys(warnings)) {
		p.resp.Diagnostics.AddAttributeWarning(path.Root(attr), "Works differently on "+p.r.data.Backend.Host(), warnings[attr])
	}
	return len(errs) == 0
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"fmt"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// CheckSpec says, at plan time, which attributes of a spec cannot apply on
// Kubernetes (by attribute name, each error saying why and what to use
// instead), and which apply differently (warnings).
func (c *Cluster) CheckSpec(s workspace.WorkspaceSpec) (map[string]error, map[string]string) {
	errs, warnings := map[string]error{}, map[string]string{}
	if err := ValidateWorkspaceID(s.WorkspaceID); err != nil {
		errs["workspace_id"] = err
	}
	if workspace.TierHasWorkspace(s.Tier) && workspace.WorkspaceMountFor(s.WorkspacePath, s.WorkspaceAccess).Kind == workspace.MountHostDir {
		errs["workspace_path"] = &workspace.UnsupportedError{Backend: backendName,
			What:    fmt.Sprintf("workspace_path (binding the host directory %s at /workspace)", s.WorkspacePath),
			Why:     "a pod may run on any node, and a host directory would tie it to one node's files",
			Instead: "Leave workspace_path out (or set workspace_access = \"none\"): /workspace is then a PersistentVolumeClaim of the provider's storage_class."}
	}
	if !s.HostNetwork() && s.Network != PodNetwork {
		errs["network"] = &workspace.UnsupportedError{Backend: backendName,
			What:    fmt.Sprintf("network %q", s.Network),
			Why:     "every pod joins the cluster's pod network and is reached through its Service (internal_url)",
			Instead: "Leave network out; restrict traffic between workspaces with a NetworkPolicy on their labels."}
	}
	if workspace.TierUsesHostNetwork(s.Tier) {
		warnings["tier"] = fmt.Sprintf("On Kubernetes tier %d runs privileged with the node's PID and network namespaces, but without the Docker socket that Docker's tier %d binds: a node's container runtime is not a Docker engine. A workspace that needs to drive Docker needs a provider on a Docker engine.", s.Tier, s.Tier)
	}
	return errs, warnings
}

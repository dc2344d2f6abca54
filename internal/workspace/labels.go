// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Ownership labels. They are ours alone (not the platform's
// molecule.platform.managed): the provider only ever removes or replaces
// objects that carry LabelManaged.
const (
	LabelManaged     = "ai.molecule.terraform.managed"
	LabelWorkspaceID = "ai.molecule.terraform.workspace-id"
	LabelRole        = "ai.molecule.terraform.role"

	RoleContainer       = "container"
	RoleConfigVolume    = "config-volume"
	RoleWorkspaceVolume = "workspace-volume"
	RoleSessionsVolume  = "sessions-volume"
	RoleNetwork         = "network"
)

// OwnershipLabels returns the labels that mark an object as this provider's.
func OwnershipLabels(workspaceID, role string) map[string]string {
	labels := map[string]string{LabelManaged: "true", LabelRole: role}
	if workspaceID != "" {
		labels[LabelWorkspaceID] = workspaceID
	}
	return labels
}

// IsOwned reports whether labels mark an object as ours, for this workspace id
// when one is given.
func IsOwned(labels map[string]string, workspaceID string) bool {
	if labels[LabelManaged] != "true" {
		return false
	}
	return workspaceID == "" || labels[LabelWorkspaceID] == workspaceID
}

// IsReservedLabel reports whether a user label key would clash with ownership labels.
func IsReservedLabel(key string) bool {
	return len(key) >= len("ai.molecule.terraform.") && key[:len("ai.molecule.terraform.")] == "ai.molecule.terraform."
}

// LabelPlatformManaged marks the containers the Molecule platform made
// itself. The provider never touches them except to adopt one, when asked.
const LabelPlatformManaged = "molecule.platform.managed"

// IsPlatformManaged reports whether labels mark a platform-made container.
func IsPlatformManaged(labels map[string]string) bool { return labels[LabelPlatformManaged] == "true" }

// Labels recording the spec on the container, so import and drift detection
// can read back what cannot be derived from the container's configuration.
const (
	LabelRuntime = "ai.molecule.terraform.runtime"
	LabelName    = "ai.molecule.terraform.name"
	LabelTier    = "ai.molecule.terraform.tier"
	// The keys (never the values) of the user's env and labels: images bring
	// env and labels of their own, and import must tell them apart.
	LabelEnvKeys   = "ai.molecule.terraform.env-keys"
	LabelLabelKeys = "ai.molecule.terraform.label-keys"
	// Set only when the workspace has write-only env: the keys (kept apart
	// from env-keys, so they are never read back into state) and the
	// secret_env_wo_version that put them there (read back, for import).
	LabelSecretEnvKeys    = "ai.molecule.terraform.secret-env-keys"
	LabelSecretEnvVersion = "ai.molecule.terraform.secret-env-version"
	// The platform_token_wo_version that wrote /configs/.auth_token.
	LabelPlatformTokenVersion = "ai.molecule.terraform.platform-token-version"
)

// ContainerLabels returns the user's labels plus ownership and spec labels.
func ContainerLabels(s WorkspaceSpec) map[string]string {
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, OwnershipLabels(s.WorkspaceID, RoleContainer))
	labels[LabelRuntime] = s.Runtime
	labels[LabelName] = s.Name
	labels[LabelTier] = strconv.Itoa(s.Tier)
	labels[LabelEnvKeys] = strings.Join(slices.Sorted(maps.Keys(s.Env)), ",")
	labels[LabelLabelKeys] = strings.Join(slices.Sorted(maps.Keys(s.Labels)), ",")
	if len(s.SecretEnv) > 0 {
		labels[LabelSecretEnvKeys] = strings.Join(slices.Sorted(maps.Keys(s.SecretEnv)), ",")
	}
	if s.SecretEnvVersion != "" {
		labels[LabelSecretEnvVersion] = s.SecretEnvVersion
	}
	if s.PlatformTokenVersion != "" {
		labels[LabelPlatformTokenVersion] = s.PlatformTokenVersion
	}
	return labels
}

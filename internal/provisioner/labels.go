// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

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

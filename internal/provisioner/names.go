// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import "fmt"

// ShortIDLength is how many characters of a workspace id name its Docker objects.
// The platform derives every name from this prefix, so two ids sharing it collide.
const ShortIDLength = 12

// ShortID returns the first ShortIDLength characters of a workspace id.
func ShortID(workspaceID string) string {
	if len(workspaceID) > ShortIDLength {
		return workspaceID[:ShortIDLength]
	}
	return workspaceID
}

// ContainerName is the container's name, also its alias on the workspace network.
func ContainerName(workspaceID string) string {
	return "ws-" + ShortID(workspaceID)
}

// ConfigVolumeName is the named volume mounted at /configs.
func ConfigVolumeName(workspaceID string) string {
	return ContainerName(workspaceID) + "-configs"
}

// WorkspaceVolumeName is the named volume mounted at /workspace when no host
// directory is bound. It uses the same prefix as the other names, so one id
// always maps to one set of objects.
func WorkspaceVolumeName(workspaceID string) string {
	return ContainerName(workspaceID) + "-workspace"
}

// InternalURL is the agent's address for peers on the workspace network.
func InternalURL(workspaceID string) string {
	return fmt.Sprintf("http://%s:%d", ContainerName(workspaceID), AgentPort)
}

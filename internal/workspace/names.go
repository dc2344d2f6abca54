// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

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

// ClaudeSessionsPath is where claude-code keeps its sessions; the platform
// gives it a volume of its own there.
const ClaudeSessionsPath = "/root/.claude/sessions"

// ClaudeCodeRuntime is the runtime that gets the sessions volume.
const ClaudeCodeRuntime = "claude-code"

// SessionsVolumeName is claude-code's sessions volume, at ClaudeSessionsPath.
func SessionsVolumeName(workspaceID string) string {
	return ContainerName(workspaceID) + "-claude-sessions"
}

// HasSessionsVolume reports whether a runtime gets the sessions volume.
func HasSessionsVolume(runtime string) bool { return runtime == ClaudeCodeRuntime }

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

// Removal names what Delete should remove.
type Removal struct {
	WorkspaceID     string
	ContainerID     string // from state; the name is used when empty
	ConfigVolume    string
	WorkspaceVolume string // "" when /workspace is a host directory: never removed
	SessionsVolume  string // claude-code's sessions volume, else ""
	KeepVolumes     bool
	// AdoptedVolumes were adopted from the platform: removed without our label.
	AdoptedVolumes []string
}

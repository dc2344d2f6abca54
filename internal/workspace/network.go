// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

// NetworkSpec describes a bridge network for workspaces.
type NetworkSpec struct {
	Name     string
	Internal bool
	Labels   map[string]string
}

// ObservedNetwork is what inspecting a network found.
type ObservedNetwork struct {
	Exists   bool
	Owned    bool
	ID       string
	Name     string
	Driver   string
	Internal bool
	Labels   map[string]string // user labels only
}

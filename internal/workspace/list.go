// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

// ListFilter narrows List; zero fields match everything. All given
// conditions must hold.
type ListFilter struct {
	Runtime string
	Tier    int
	Status  string
	Labels  map[string]string // user labels, each key=value must be on the container
}

// DetachedVolume is a volume of ours that no container uses: left by
// keep_volumes, by a container removed outside Terraform, or by a crash.
type DetachedVolume struct {
	Name        string
	WorkspaceID string
	Role        string
}

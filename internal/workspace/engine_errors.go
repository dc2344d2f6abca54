// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "fmt"

// MissingImageError says which image is absent and how to get it.
type MissingImageError struct{ Ref string }

func (m *MissingImageError) Error() string {
	return fmt.Sprintf("image %q is not present on the Docker engine and the pull policy is %q: pull, build or load it on this engine (docker pull %s)", m.Ref, PullNever, m.Ref)
}

// MissingNetworkError is a network the engine does not have.
type MissingNetworkError struct{ Name, Host string }

func (m *MissingNetworkError) Error() string {
	return fmt.Sprintf("network %q does not exist on %s: create it (docker network create %s)", m.Name, m.Host, m.Name)
}

// VolumeTakenError is a volume name of the workspace held by a volume this
// provider does not manage for it.
type VolumeTakenError struct{ Volume, Host, WorkspaceID string }

func (v *VolumeTakenError) Error() string {
	return fmt.Sprintf("volume %s already exists on %s and is not managed by this provider for workspace %q: remove it yourself, or give the workspace another id", v.Volume, v.Host, v.WorkspaceID)
}

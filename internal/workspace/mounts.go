// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "fmt"

// MountKind says what backs /workspace.
type MountKind int

const (
	// MountVolume is an isolated named volume.
	MountVolume MountKind = iota
	// MountHostDir is a bind of a host directory.
	MountHostDir
)

// WorkspaceMount describes the /workspace mount chosen by the access matrix.
type WorkspaceMount struct {
	Kind     MountKind
	HostPath string // only for MountHostDir
	ReadOnly bool
}

// WorkspaceMountFor applies the workspace_access × workspace_path matrix:
//
//	path   | access                | mount
//	empty  | none / empty          | named volume
//	dir    | empty / read_write    | dir:/workspace
//	dir    | read_only             | dir:/workspace:ro
//	dir    | none                  | named volume (path ignored)
//
// The invalid pair (empty path with read_only/read_write) is rejected by
// ValidateWorkspaceAccess before anything is built; here it degrades to a volume.
func WorkspaceMountFor(path, access string) WorkspaceMount {
	if path == "" || access == AccessNone {
		return WorkspaceMount{Kind: MountVolume}
	}
	return WorkspaceMount{Kind: MountHostDir, HostPath: path, ReadOnly: access == AccessReadOnly}
}

// AccessError is an access mode that does not fit: unknown, or a bind
// mode without a host directory.
type AccessError struct {
	Access  string
	Unknown bool // not one of AccessModes; else it needs a host directory
}

func (e *AccessError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("access mode %q is not one of %q, %q, %q", e.Access, AccessNone, AccessReadOnly, AccessReadWrite)
	}
	return fmt.Sprintf("access mode %q binds a host directory, and none is given", e.Access)
}

// ValidateWorkspaceAccess checks that an access mode and a host path agree:
// nil or an *AccessError.
func ValidateWorkspaceAccess(access, path string) error {
	switch access {
	case "", AccessNone:
		return nil
	case AccessReadOnly, AccessReadWrite:
		if path == "" {
			return &AccessError{Access: access}
		}
		return nil
	default:
		return &AccessError{Access: access, Unknown: true}
	}
}

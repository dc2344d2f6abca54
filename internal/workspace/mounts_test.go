// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"strings"
	"testing"
)

// The workspace_access × workspace_path matrix of the contract.
func TestWorkspaceMountFor(t *testing.T) {
	const dir = "/srv/project"
	cases := []struct {
		name, path, access string
		want               WorkspaceMount
	}{
		{"no path, no access", "", "", WorkspaceMount{Kind: MountVolume}},
		{"no path, none", "", AccessNone, WorkspaceMount{Kind: MountVolume}},
		{"dir, no access", dir, "", WorkspaceMount{Kind: MountHostDir, HostPath: dir}},
		{"dir, read_write", dir, AccessReadWrite, WorkspaceMount{Kind: MountHostDir, HostPath: dir}},
		{"dir, read_only", dir, AccessReadOnly, WorkspaceMount{Kind: MountHostDir, HostPath: dir, ReadOnly: true}},
		{"dir, none: path ignored", dir, AccessNone, WorkspaceMount{Kind: MountVolume}},
		// Rejected by validation; must still never produce a bind of "".
		{"no path, read_only", "", AccessReadOnly, WorkspaceMount{Kind: MountVolume}},
		{"no path, read_write", "", AccessReadWrite, WorkspaceMount{Kind: MountVolume}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := WorkspaceMountFor(c.path, c.access); got != c.want {
				t.Errorf("WorkspaceMountFor(%q, %q) = %+v, want %+v", c.path, c.access, got, c.want)
			}
		})
	}
}

func TestValidateWorkspaceAccess(t *testing.T) {
	cases := []struct {
		access, path string
		wantErr      string // "" means valid
	}{
		{"", "", ""},
		{AccessNone, "", ""},
		{AccessNone, "/srv", ""},
		{AccessReadOnly, "/srv", ""},
		{AccessReadWrite, "/srv", ""},
		{"", "/srv", ""},
		{AccessReadOnly, "", `access mode "read_only" binds a host directory, and none is given`},
		{AccessReadWrite, "", `access mode "read_write" binds a host directory`},
		{"rw", "/srv", `access mode "rw" is not one of "none", "read_only", "read_write"`},
		{"READ_ONLY", "/srv", "is not one of"},
	}
	for _, c := range cases {
		err := ValidateWorkspaceAccess(c.access, c.path)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("ValidateWorkspaceAccess(%q, %q) = %v, want nil", c.access, c.path, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("ValidateWorkspaceAccess(%q, %q) = %v, want error containing %q", c.access, c.path, err, c.wantErr)
		}
	}
}

func TestWorkspaceAccessModesListsEveryMode(t *testing.T) {
	for _, m := range []string{AccessNone, AccessReadOnly, AccessReadWrite} {
		if err := ValidateWorkspaceAccess(m, "/x"); err != nil {
			t.Errorf("mode %q rejected: %v", m, err)
		}
	}
	if len(AccessModes) != 3 {
		t.Errorf("AccessModes = %v, want the three modes", AccessModes)
	}
}

func TestUsesWorkspaceVolume(t *testing.T) {
	cases := []struct {
		name       string
		spec       WorkspaceSpec
		wantVolume bool
	}{
		{"tier 2 default", WorkspaceSpec{Tier: 2}, true},
		{"tier 2 host dir", WorkspaceSpec{Tier: 2, WorkspacePath: "/srv", WorkspaceAccess: AccessReadWrite}, false},
		{"tier 2 host dir ignored by none", WorkspaceSpec{Tier: 2, WorkspacePath: "/srv", WorkspaceAccess: AccessNone}, true},
		{"tier 1 has no /workspace", WorkspaceSpec{Tier: 1}, false},
		{"tier 3 default", WorkspaceSpec{Tier: 3}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.WorkspaceID = "abc"
			if got := c.spec.UsesWorkspaceVolume(); got != c.wantVolume {
				t.Errorf("UsesWorkspaceVolume = %v, want %v", got, c.wantVolume)
			}
			if got := c.spec.WorkspaceVolume() != ""; got != c.wantVolume {
				t.Errorf("WorkspaceVolume = %q, want set=%v", c.spec.WorkspaceVolume(), c.wantVolume)
			}
		})
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "testing"

func TestNamesDeriveFromTwelveCharacterPrefix(t *testing.T) {
	cases := []struct {
		id, short string
	}{
		{"0123456789abcdef-long-uuid", "0123456789ab"},
		{"0123456789ab", "0123456789ab"}, // exactly twelve: unchanged
		{"short", "short"},
		{"a", "a"},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			if got := ShortID(c.id); got != c.short {
				t.Errorf("ShortID(%q) = %q, want %q", c.id, got, c.short)
			}
			want := map[string]string{
				"container":        "ws-" + c.short,
				"config volume":    "ws-" + c.short + "-configs",
				"workspace volume": "ws-" + c.short + "-workspace",
				"internal url":     "http://ws-" + c.short + ":8000",
			}
			got := map[string]string{
				"container":        ContainerName(c.id),
				"config volume":    ConfigVolumeName(c.id),
				"workspace volume": WorkspaceVolumeName(c.id),
				"internal url":     InternalURL(c.id),
			}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("%s of %q = %q, want %q", k, c.id, got[k], want[k])
				}
			}
		})
	}
}

// Every name must come from the same prefix as the container's, so one id
// maps to one set of objects.
func TestWorkspaceVolumeUsesSamePrefixAsContainer(t *testing.T) {
	id := "9f8e7d6c5b4a-3210-aaaa-bbbb-cccccccccccc"
	if got, want := WorkspaceVolumeName(id), ContainerName(id)+"-workspace"; got != want {
		t.Fatalf("WorkspaceVolumeName = %q, want %q", got, want)
	}
}

// Two ids sharing the first twelve characters map to the same objects: the
// plan must detect that, so the names really must collide here.
func TestIDsSharingPrefixCollide(t *testing.T) {
	a, b := "abcdefghijkl-one", "abcdefghijkl-two"
	if ContainerName(a) != ContainerName(b) || ConfigVolumeName(a) != ConfigVolumeName(b) {
		t.Fatalf("expected %q and %q to share names", a, b)
	}
	if ContainerName("abcdefghijk1-x") == ContainerName("abcdefghijk2-x") {
		t.Fatal("ids differing within the prefix must not share names")
	}
}

func TestSpecNameHelpers(t *testing.T) {
	s := WorkspaceSpec{WorkspaceID: "0123456789abXYZ", Tier: 2}
	if s.ContainerName() != "ws-0123456789ab" || s.ConfigVolume() != "ws-0123456789ab-configs" {
		t.Fatalf("spec names: %q %q", s.ContainerName(), s.ConfigVolume())
	}
	if s.WorkspaceVolume() != "ws-0123456789ab-workspace" {
		t.Fatalf("tier 2 without a host path uses the workspace volume, got %q", s.WorkspaceVolume())
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func TestInferTier(t *testing.T) {
	for _, tc := range []struct {
		name string
		hc   *container.HostConfig
		want int
	}{
		{"no host config", nil, workspace.DefaultTier},
		{"plain", &container.HostConfig{}, workspace.DefaultTier},
		{"read-only rootfs", &container.HostConfig{ReadonlyRootfs: true}, 1},
		{"privileged", &container.HostConfig{Privileged: true}, 3},
		{"host network", &container.HostConfig{Privileged: true, NetworkMode: "host"}, 4},
	} {
		if got := inferTier(tc.hc); got != tc.want {
			t.Errorf("%s: tier %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestPlatformContainerErrorSaysHowToAdopt(t *testing.T) {
	msg := (&PlatformContainerError{Name: "ws-3f0c5a7e-1d2", WorkspaceID: "3f0c5a7e-1d2b", Host: "unix:///x"}).Error()
	for _, want := range []string{"ws-3f0c5a7e-1d2", "Molecule platform", workspace.LabelPlatformManaged + "=true", `"platform:3f0c5a7e-1d2b"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if !workspace.IsPlatformManaged(map[string]string{workspace.LabelPlatformManaged: "true"}) || workspace.IsPlatformManaged(map[string]string{workspace.LabelManaged: "true"}) {
		t.Error("IsPlatformManaged must look at the platform's label only")
	}
}

func TestAdoptedWorkspaceVolumeName(t *testing.T) {
	s := workspace.WorkspaceSpec{WorkspaceID: "3f0c5a7e-1d2b-4c3a", Tier: 2, WorkspaceAccess: workspace.AccessNone}
	if got := s.WorkspaceVolume(); got != "ws-3f0c5a7e-1d2-workspace" {
		t.Errorf("own volume %q", got)
	}
	s.AdoptedWorkspaceVolume, s.AdoptedVolumes = "ws-3f0c5a7e-1d2b-4c3a-workspace", []string{"ws-3f0c5a7e-1d2-configs", "ws-3f0c5a7e-1d2b-4c3a-workspace"}
	if got := s.WorkspaceVolume(); got != s.AdoptedWorkspaceVolume || !s.IsAdoptedVolume(got) {
		t.Errorf("adopted volume %q, want %q and adopted", got, s.AdoptedWorkspaceVolume)
	}
	mounted := ""
	for _, m := range BuildContainerRequest(s).HostConfig.Mounts {
		if m.Target == "/workspace" {
			mounted = m.Source
		}
	}
	if mounted != s.AdoptedWorkspaceVolume {
		t.Errorf("/workspace mounts %q, want the adopted %q", mounted, s.AdoptedWorkspaceVolume)
	}
}

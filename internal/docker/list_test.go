// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func TestSummarize_readsLabelsPortsAndMounts(t *testing.T) {
	spec := workspace.WorkspaceSpec{WorkspaceID: "abc123def456-x", Name: "Researcher", Runtime: "crewai", Tier: 2, Labels: map[string]string{"team": "r"}}
	labels := workspace.ContainerLabels(spec)
	labels["org.opencontainers.image.title"] = "from the image" // not the user's: not read back
	c := container.Summary{
		ID: "cid", Names: []string{"/ws-abc123def456"}, Image: "img:1", ImageID: "sha256:1",
		Labels: labels, State: container.StateRunning,
		Ports: []container.Port{{PrivatePort: 9999, PublicPort: 1, Type: "tcp"}, {IP: "127.0.0.1", PrivatePort: workspace.AgentPort, PublicPort: 32768, Type: "tcp"}},
		Mounts: []container.MountPoint{
			{Type: mount.TypeVolume, Name: "ws-abc123def456-configs", Destination: "/configs", RW: true},
			{Type: mount.TypeBind, Source: "/srv/p", Destination: "/workspace", RW: false},
		},
	}
	c.HostConfig.NetworkMode = "net1"
	o := summarize(c)
	if o.WorkspaceID != spec.WorkspaceID || o.Name != "Researcher" || o.Runtime != "crewai" || o.Tier != 2 || !o.Owned {
		t.Errorf("identity: %+v", o)
	}
	if o.HostURL() != "http://127.0.0.1:32768" {
		t.Errorf("host url %q", o.HostURL())
	}
	if o.ContainerName != "ws-abc123def456" || o.Network != "net1" || !o.Running || o.Status != "running" {
		t.Errorf("container: %+v", o)
	}
	if o.ConfigVolume != "ws-abc123def456-configs" || o.WorkspaceVolume != "" || o.WorkspaceAccess() != workspace.AccessReadOnly || o.WorkspacePath != "/srv/p" {
		t.Errorf("mounts: %+v access=%s", o, o.WorkspaceAccess())
	}
	if len(o.Labels) != 1 || o.Labels["team"] != "r" {
		t.Errorf("labels %v", o.Labels)
	}
}

func TestWorkspaceAccess_fromMount(t *testing.T) {
	for _, tc := range []struct {
		o    workspace.ObservedWorkspace
		want string
	}{
		{workspace.ObservedWorkspace{WorkspaceVolume: "v"}, workspace.AccessNone},
		{workspace.ObservedWorkspace{}, workspace.AccessNone},
		{workspace.ObservedWorkspace{WorkspacePath: "/p"}, workspace.AccessReadWrite},
		{workspace.ObservedWorkspace{WorkspacePath: "/p", WorkspaceRO: true}, workspace.AccessReadOnly},
	} {
		if got := tc.o.WorkspaceAccess(); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.o, got, tc.want)
		}
	}
}

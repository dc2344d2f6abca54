// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// inspectOf fakes what the engine reports for a container created from req:
// the create request echoed back, the image's own env added, mounts resolved.
func inspectOf(req ContainerRequest, state *container.State, hostPort, ip string) container.InspectResponse {
	cfg := *req.Config
	cfg.Env = append([]string{"PATH=/usr/local/bin:/usr/bin", "IMAGE_OWN=1"}, cfg.Env...)
	var mounts []container.MountPoint
	for _, m := range req.HostConfig.Mounts {
		mp := container.MountPoint{Type: m.Type, Destination: m.Target, RW: !m.ReadOnly}
		if m.Type == mount.TypeVolume {
			mp.Name, mp.Source = m.Source, "/var/lib/docker/volumes/"+m.Source+"/_data"
		} else {
			mp.Source = m.Source
		}
		mounts = append(mounts, mp)
	}
	ns := &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{}}
	if hostPort != "" {
		ns.Ports = nat.PortMap{agentPort: {{HostIP: "127.0.0.1", HostPort: hostPort}}}
	}
	ns.Networks[string(req.HostConfig.NetworkMode)] = &network.EndpointSettings{IPAddress: ip}
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID: "c0ffee", Name: "/" + req.Name, Image: "sha256:abc", State: state, RestartCount: 2,
			HostConfig: req.HostConfig,
		},
		Config:          &cfg,
		Mounts:          mounts,
		NetworkSettings: ns,
	}
}

func runningState() *container.State {
	return &container.State{Status: "running", Running: true}
}

func TestObserveRoundTripsTheSpec(t *testing.T) {
	s := baseSpec(2)
	s.MemoryMB, s.CPUs = 768, 0.5
	s.Env = map[string]string{"OPENAI_API_KEY": "sk-1"}
	s.Labels = map[string]string{"team": "research"}
	o := observe(inspectOf(BuildContainerRequest(s), runningState(), "49153", "172.18.0.5"), s.WorkspaceID)

	if !o.Exists || !o.Owned {
		t.Fatalf("exists %v owned %v", o.Exists, o.Owned)
	}
	checks := map[string][2]any{
		"container id":     {o.ContainerID, "c0ffee"},
		"container name":   {o.ContainerName, "ws-0123456789ab"},
		"workspace id":     {o.WorkspaceID, s.WorkspaceID},
		"name":             {o.Name, s.Name},
		"runtime":          {o.Runtime, s.Runtime},
		"tier":             {o.Tier, 2},
		"image":            {o.Image, s.Image},
		"image id":         {o.ImageID, "sha256:abc"},
		"status":           {o.Status, "running"},
		"running":          {o.Running, true},
		"restart count":    {o.RestartCount, 2},
		"memory":           {o.MemoryMB, int64(768)},
		"cpus":             {o.CPUs, 0.5},
		"config volume":    {o.ConfigVolume, "ws-0123456789ab-configs"},
		"workspace volume": {o.WorkspaceVolume, "ws-0123456789ab-workspace"},
		"workspace path":   {o.WorkspacePath, ""},
		"network":          {o.Network, testNetwork},
		"isolation":        {o.Isolation, Isolation(s)},
		"host port":        {o.HostPort, "49153"},
		"host url":         {o.HostURL(), "http://127.0.0.1:49153"},
		"container ip":     {o.ContainerIP, "172.18.0.5"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", what, c[0], c[1])
		}
	}
	// Only the user's keys come back as user env / labels; the image's own
	// env and our spec labels stay out, so they never show as drift.
	if !maps.Equal(o.UserEnv, s.Env) {
		t.Errorf("UserEnv = %v, want %v", o.UserEnv, s.Env)
	}
	if !maps.Equal(o.Labels, s.Labels) {
		t.Errorf("Labels = %v, want %v", o.Labels, s.Labels)
	}
	if o.Env["IMAGE_OWN"] != "1" || o.Env["WORKSPACE_ID"] != s.WorkspaceID {
		t.Errorf("Env should hold the whole environment: %v", o.Env)
	}
}

func TestObserveHostDirectoryAndTiers(t *testing.T) {
	s := baseSpec(2)
	s.WorkspacePath, s.WorkspaceAccess = "/srv/project", workspace.AccessReadOnly
	o := observe(inspectOf(BuildContainerRequest(s), runningState(), "1", ""), s.WorkspaceID)
	if o.WorkspacePath != "/srv/project" || !o.WorkspaceRO || o.WorkspaceVolume != "" {
		t.Errorf("read-only dir: path %q ro %v volume %q", o.WorkspacePath, o.WorkspaceRO, o.WorkspaceVolume)
	}
	s.WorkspaceAccess = workspace.AccessReadWrite
	o = observe(inspectOf(BuildContainerRequest(s), runningState(), "1", ""), s.WorkspaceID)
	if o.WorkspacePath != "/srv/project" || o.WorkspaceRO {
		t.Errorf("read-write dir: path %q ro %v", o.WorkspacePath, o.WorkspaceRO)
	}

	t1 := baseSpec(1)
	o = observe(inspectOf(BuildContainerRequest(t1), runningState(), "1", ""), t1.WorkspaceID)
	if o.WorkspaceVolume != "" || o.WorkspacePath != "" || o.Tier != 1 || o.Isolation != Isolation(t1) {
		t.Errorf("tier 1: %+v", o)
	}

	t4 := baseSpec(4)
	o = observe(inspectOf(BuildContainerRequest(t4), runningState(), "", ""), t4.WorkspaceID)
	if o.HostURL() != "" || o.Network != "host" || !strings.Contains(o.Isolation, "docker_socket=true") {
		t.Errorf("tier 4: url %q network %q isolation %q", o.HostURL(), o.Network, o.Isolation)
	}
}

func TestObserveOwnership(t *testing.T) {
	s := baseSpec(2)
	info := inspectOf(BuildContainerRequest(s), runningState(), "", "")
	if o := observe(info, "another-workspace-id"); o.Owned {
		t.Error("a container of another workspace id must not count as this one's")
	}
	if o := observe(info, ""); !o.Owned {
		t.Error("with no id given, any container of ours is owned")
	}
	info.Config.Labels = map[string]string{"com.example": "x"}
	if o := observe(info, s.WorkspaceID); o.Owned {
		t.Error("a container without our labels is not owned")
	}
}

func TestObserveStates(t *testing.T) {
	req := BuildContainerRequest(baseSpec(2))
	cases := []struct {
		name        string
		state       *container.State
		wantStatus  string
		wantRunning bool
	}{
		{"running", runningState(), "running", true},
		{"exited", &container.State{Status: "exited", ExitCode: 1}, "exited", false},
		{"created", &container.State{Status: "created"}, "created", false},
		// Docker reports a restarting container as Running; it does not serve.
		{"restarting", &container.State{Status: "running", Running: true, Restarting: true}, "restarting", false},
		{"oom", &container.State{Status: "exited", OOMKilled: true, ExitCode: 137}, "exited", false},
		{"no state", nil, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := observe(inspectOf(req, c.state, "", ""), "0123456789ab-cdef")
			if o.Status != c.wantStatus || o.Running != c.wantRunning {
				t.Errorf("status %q running %v, want %q %v", o.Status, o.Running, c.wantStatus, c.wantRunning)
			}
			if c.state != nil && (o.OOMKilled != c.state.OOMKilled || o.ExitCode != c.state.ExitCode) {
				t.Errorf("oom %v exit %d", o.OOMKilled, o.ExitCode)
			}
		})
	}
}

func TestObserveToleratesMissingSections(t *testing.T) {
	o := observe(container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: "x", Name: "/ws-a"}}, "a")
	if !o.Exists || o.Owned || o.ContainerName != "ws-a" {
		t.Errorf("bare inspect: %+v", o)
	}
}

func TestMissing(t *testing.T) {
	o := workspace.Missing("0123456789abcdef")
	if o.Exists || o.Status != workspace.StatusMissing || o.ContainerName != "ws-0123456789ab" || o.HostURL() != "" {
		t.Errorf("Missing = %+v", o)
	}
	if !strings.Contains(o.String(), "ws-0123456789ab (missing)") {
		t.Errorf("String = %q", o.String())
	}
}

func TestPickIgnoresUnknownAndEmptyKeys(t *testing.T) {
	all := map[string]string{"A": "1", "B": "", "C": "3"}
	got := workspace.PickKeys(all, "A,B,,MISSING")
	want := map[string]string{"A": "1", "B": ""}
	if !maps.Equal(got, want) {
		t.Errorf("pick = %v, want %v", got, want)
	}
	if len(workspace.PickKeys(all, "")) != 0 {
		t.Error("an empty key list picks nothing")
	}
}

func TestUserLabelsDropsReserved(t *testing.T) {
	got := workspace.UserLabels(map[string]string{workspace.LabelManaged: "true", workspace.LabelRole: workspace.RoleNetwork, "team": "x"})
	if !maps.Equal(got, map[string]string{"team": "x"}) {
		t.Errorf("userLabels = %v", got)
	}
}

// Containers made with legacy Binds (docker run -v) still show the socket.
func TestDescribeIsolationSeesSocketInBinds(t *testing.T) {
	hc := &container.HostConfig{Binds: []string{dockerSocket + ":" + dockerSocket}}
	if got := describeIsolation(hc); !strings.Contains(got, "docker_socket=true") {
		t.Errorf("isolation %q misses the socket bind", got)
	}
	if got := describeIsolation(&container.HostConfig{}); got != "privileged=false pid=private network=default readonly_rootfs=false" {
		t.Errorf("empty host config reads %q", got)
	}
}

// Capabilities, security options and devices can only be given at creation;
// the provider never sets them, so any of them is drift that replaces.
func TestDescribeIsolationSeesAddedPrivileges(t *testing.T) {
	base := BuildContainerRequest(baseSpec(2)).HostConfig
	plain := describeIsolation(base)
	cases := map[string]func(*container.HostConfig){
		"cap_add=NET_ADMIN,SYS_ADMIN":     func(hc *container.HostConfig) { hc.CapAdd = []string{"SYS_ADMIN", "NET_ADMIN"} },
		"security_opt=seccomp=unconfined": func(hc *container.HostConfig) { hc.SecurityOpt = []string{"seccomp=unconfined"} },
		"devices=/dev/fuse":               func(hc *container.HostConfig) { hc.Devices = []container.DeviceMapping{{PathOnHost: "/dev/fuse"}} },
	}
	for want, mutate := range cases {
		hc := *base
		mutate(&hc)
		got := describeIsolation(&hc)
		if got == plain || !strings.Contains(got, want) {
			t.Errorf("isolation %q should show %q", got, want)
		}
	}
	if plain != Isolation(baseSpec(2)) {
		t.Errorf("a container as built must read as planned: %q vs %q", plain, Isolation(baseSpec(2)))
	}
}

// Docker adds label=disable to privileged and host-PID containers itself:
// it must not read as drift (or the create would be inconsistent).
func TestDescribeIsolationIgnoresLabelDisableAddedByDocker(t *testing.T) {
	for _, tier := range []int{3, 4} {
		hc := *BuildContainerRequest(baseSpec(tier)).HostConfig
		hc.SecurityOpt = []string{"label=disable"}
		if got, want := describeIsolation(&hc), Isolation(baseSpec(tier)); got != want {
			t.Errorf("tier %d as inspected reads %q, planned %q", tier, got, want)
		}
	}
	hc := *BuildContainerRequest(baseSpec(2)).HostConfig
	hc.SecurityOpt = []string{"label=disable"}
	if !strings.Contains(describeIsolation(&hc), "security_opt=label=disable") {
		t.Error("label=disable added by hand to an unprivileged container is drift")
	}
}

// An image's VOLUME paths that nothing else mounts get anonymous volumes:
// they are listed apart and never taken for the workspace's named volumes
// (tier 1 has no /workspace of ours, yet such an image gets one there).
func TestObserveAnonymousVolumes(t *testing.T) {
	anon := strings.Repeat("9e607e5c", 8)
	t1 := baseSpec(1)
	info := inspectOf(BuildContainerRequest(t1), runningState(), "1", "")
	info.Mounts = append(info.Mounts,
		container.MountPoint{Type: mount.TypeVolume, Name: anon, Destination: "/workspace"},
		container.MountPoint{Type: mount.TypeVolume, Name: strings.Repeat("ab", 32), Destination: "/data"})
	o := observe(info, t1.WorkspaceID)
	if o.WorkspaceVolume != "" || o.ConfigVolume != t1.ConfigVolume() {
		t.Errorf("tier 1 with VOLUME /workspace: workspace volume %q, config volume %q", o.WorkspaceVolume, o.ConfigVolume)
	}
	if !slices.Equal(o.AnonymousVolumes, []string{"/workspace", "/data"}) {
		t.Errorf("AnonymousVolumes = %v", o.AnonymousVolumes)
	}
	for name, want := range map[string]bool{anon: true, "ws-0123456789ab-workspace": false, strings.Repeat("A", 64): false, strings.Repeat("a", 63): false} {
		if got := workspace.IsAnonymousVolume(name); got != want {
			t.Errorf("IsAnonymousVolume(%q) = %v, want %v", name, got, want)
		}
	}
}

// claude-code gets its sessions volume; other runtimes do not.
func TestSessionsVolume(t *testing.T) {
	s := baseSpec(2)
	s.Runtime = "claude-code"
	req := BuildContainerRequest(s)
	found := false
	for _, m := range req.HostConfig.Mounts {
		if m.Target == workspace.ClaudeSessionsPath && m.Source == "ws-"+workspace.ShortID(s.WorkspaceID)+"-claude-sessions" && m.Type == mount.TypeVolume {
			found = true
		}
	}
	if !found {
		t.Fatalf("claude-code mounts %+v lack the sessions volume", req.HostConfig.Mounts)
	}
	if o := observe(inspectOf(req, runningState(), "1", ""), s.WorkspaceID); o.SessionsVolume != s.SessionsVolume() {
		t.Errorf("SessionsVolume = %q, want %q", o.SessionsVolume, s.SessionsVolume())
	}
	s.Runtime = "langgraph"
	if s.SessionsVolume() != "" || len(BuildContainerRequest(s).HostConfig.Mounts) != 2 {
		t.Errorf("langgraph got a sessions volume: %+v", BuildContainerRequest(s).HostConfig.Mounts)
	}
}

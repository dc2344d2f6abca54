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
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

const testNetwork = "molecule-test-net"

func baseSpec(tier int) workspace.WorkspaceSpec {
	return workspace.WorkspaceSpec{
		WorkspaceID: "0123456789ab-cdef",
		Name:        "Research agent",
		Runtime:     "langgraph",
		Image:       "workspace-template:langgraph",
		Tier:        tier,
		Network:     testNetwork,
		PlatformURL: "http://platform:8080",
		Running:     true,
	}
}

func mountAt(t *testing.T, mounts []mount.Mount, target string) (mount.Mount, bool) {
	t.Helper()
	for _, m := range mounts {
		if m.Target == target {
			return m, true
		}
	}
	return mount.Mount{}, false
}

func TestBuildContainerRequestStandardTier(t *testing.T) {
	s := baseSpec(2)
	req := BuildContainerRequest(s)
	if req.Name != "ws-0123456789ab" {
		t.Errorf("name = %q", req.Name)
	}
	if req.Config.Image != s.Image {
		t.Errorf("image = %q", req.Config.Image)
	}
	if _, ok := req.Config.ExposedPorts[nat.Port("8000/tcp")]; !ok {
		t.Errorf("8000/tcp not exposed: %v", req.Config.ExposedPorts)
	}
	hc := req.HostConfig
	if hc.RestartPolicy.Name != container.RestartPolicyUnlessStopped {
		t.Errorf("restart policy = %q, want unless-stopped", hc.RestartPolicy.Name)
	}
	if hc.Memory != 512<<20 || hc.MemorySwap != 512<<20 || hc.NanoCPUs != 1e9 {
		t.Errorf("limits: memory %d swap %d nanocpus %d", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
	}
	if hc.Privileged || hc.PidMode != "" || hc.ReadonlyRootfs || len(hc.Tmpfs) > 0 {
		t.Errorf("tier 2 must not be privileged, host-PID, read-only or tmpfs: %+v", hc)
	}
	if string(hc.NetworkMode) != testNetwork {
		t.Errorf("network mode = %q", hc.NetworkMode)
	}
	wantBinding := []nat.PortBinding{{HostIP: "127.0.0.1", HostPort: ""}}
	if got := hc.PortBindings[nat.Port("8000/tcp")]; !slices.Equal(got, wantBinding) {
		t.Errorf("port binding = %v, want 127.0.0.1::8000 (ephemeral, loopback only)", got)
	}
	ep := req.Networking.EndpointsConfig[testNetwork]
	if ep == nil || !slices.Equal(ep.Aliases, []string{"ws-0123456789ab"}) {
		t.Errorf("network alias: %+v", ep)
	}
	if len(hc.Mounts) != 2 {
		t.Fatalf("mounts = %+v, want /configs and /workspace", hc.Mounts)
	}
	configs, _ := mountAt(t, hc.Mounts, "/configs")
	if configs.Type != mount.TypeVolume || configs.Source != "ws-0123456789ab-configs" || configs.ReadOnly {
		t.Errorf("/configs mount = %+v", configs)
	}
	ws, _ := mountAt(t, hc.Mounts, "/workspace")
	if ws.Type != mount.TypeVolume || ws.Source != "ws-0123456789ab-workspace" || ws.ReadOnly {
		t.Errorf("/workspace mount = %+v", ws)
	}
	if _, ok := mountAt(t, hc.Mounts, dockerSocket); ok {
		t.Error("tier 2 must not get the Docker socket")
	}
}

func TestBuildContainerRequestSandboxTier(t *testing.T) {
	hc := BuildContainerRequest(baseSpec(1)).HostConfig
	if !hc.ReadonlyRootfs {
		t.Error("tier 1 root filesystem must be read-only")
	}
	if got := hc.Tmpfs["/tmp"]; got != "rw,noexec,nosuid,size=64m" {
		t.Errorf("tier 1 /tmp tmpfs = %q", got)
	}
	if len(hc.Mounts) != 1 || hc.Mounts[0].Target != "/configs" {
		t.Errorf("tier 1 mounts only /configs, got %+v", hc.Mounts)
	}
	if hc.Privileged || hc.PidMode != "" {
		t.Error("tier 1 must not be privileged")
	}
	// Even with a host path given, tier 1 gets no /workspace.
	s := baseSpec(1)
	s.WorkspacePath, s.WorkspaceAccess = "/srv/p", workspace.AccessReadWrite
	if _, ok := mountAt(t, BuildContainerRequest(s).HostConfig.Mounts, "/workspace"); ok {
		t.Error("tier 1 with a workspace_path still must not mount /workspace")
	}
}

func TestBuildContainerRequestPrivilegedTier(t *testing.T) {
	req := BuildContainerRequest(baseSpec(3))
	hc := req.HostConfig
	if !hc.Privileged || hc.PidMode != "host" {
		t.Errorf("tier 3: privileged %v pid %q", hc.Privileged, hc.PidMode)
	}
	if string(hc.NetworkMode) != testNetwork || req.Networking == nil {
		t.Errorf("tier 3 stays on the workspace network, got %q", hc.NetworkMode)
	}
	if len(hc.PortBindings) == 0 {
		t.Error("tier 3 publishes the agent port")
	}
	if hc.Memory != 2048<<20 || hc.NanoCPUs != 2e9 {
		t.Errorf("tier 3 limits: %d %d", hc.Memory, hc.NanoCPUs)
	}
	if _, ok := mountAt(t, hc.Mounts, dockerSocket); ok {
		t.Error("tier 3 must not get the Docker socket")
	}
}

func TestBuildContainerRequestFullHostTier(t *testing.T) {
	req := BuildContainerRequest(baseSpec(4))
	hc := req.HostConfig
	if !hc.Privileged || hc.PidMode != "host" || hc.NetworkMode != "host" {
		t.Errorf("tier 4: privileged %v pid %q network %q", hc.Privileged, hc.PidMode, hc.NetworkMode)
	}
	if len(hc.PortBindings) != 0 {
		t.Errorf("host network cannot publish ports: %v", hc.PortBindings)
	}
	if req.Networking != nil {
		t.Errorf("host network has no endpoint config: %+v", req.Networking)
	}
	sock, ok := mountAt(t, hc.Mounts, dockerSocket)
	if !ok || sock.Type != mount.TypeBind || sock.Source != dockerSocket {
		t.Errorf("docker socket mount = %+v (present %v)", sock, ok)
	}
	if hc.Memory != 4096<<20 || hc.NanoCPUs != 4e9 {
		t.Errorf("tier 4 limits: %d %d", hc.Memory, hc.NanoCPUs)
	}
}

func TestBuildContainerRequestHostDirectory(t *testing.T) {
	for _, access := range []string{workspace.AccessReadOnly, workspace.AccessReadWrite, ""} {
		t.Run("access="+access, func(t *testing.T) {
			s := baseSpec(2)
			s.WorkspacePath, s.WorkspaceAccess = "/srv/project", access
			hc := BuildContainerRequest(s).HostConfig
			ws, ok := mountAt(t, hc.Mounts, "/workspace")
			if !ok || ws.Type != mount.TypeBind || ws.Source != "/srv/project" {
				t.Fatalf("/workspace mount = %+v", ws)
			}
			if ws.ReadOnly != (access == workspace.AccessReadOnly) {
				t.Errorf("read-only = %v for access %q", ws.ReadOnly, access)
			}
		})
	}
	s := baseSpec(2)
	s.WorkspacePath, s.WorkspaceAccess = "/srv/project", workspace.AccessNone
	ws, _ := mountAt(t, BuildContainerRequest(s).HostConfig.Mounts, "/workspace")
	if ws.Type != mount.TypeVolume || ws.Source != "ws-0123456789ab-workspace" {
		t.Errorf("access none ignores the path, got %+v", ws)
	}
}

func TestBuildContainerRequestLimitsOverride(t *testing.T) {
	s := baseSpec(2)
	s.MemoryMB, s.CPUs = 300, 0.25
	hc := BuildContainerRequest(s).HostConfig
	if hc.Memory != 300<<20 || hc.MemorySwap != 300<<20 || hc.NanoCPUs != 250_000_000 {
		t.Errorf("limits: %d %d %d", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
	}
}

func TestContainerLabels(t *testing.T) {
	s := baseSpec(2)
	s.Env = map[string]string{"Z_KEY": "secret-z", "A_KEY": "secret-a"}
	s.Labels = map[string]string{
		"team":                     "research",
		workspace.LabelManaged:     "false",    // a user label cannot disown the container
		workspace.LabelWorkspaceID: "other-id", // nor claim another workspace
	}
	labels := BuildContainerRequest(s).Config.Labels
	want := map[string]string{
		workspace.LabelManaged:     "true",
		workspace.LabelWorkspaceID: s.WorkspaceID,
		workspace.LabelRole:        workspace.RoleContainer,
		workspace.LabelRuntime:     "langgraph",
		workspace.LabelName:        "Research agent",
		workspace.LabelTier:        "2",
		workspace.LabelEnvKeys:     "A_KEY,Z_KEY",
		"team":                     "research",
	}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	if !workspace.IsOwned(labels, s.WorkspaceID) {
		t.Error("container labels must mark it as owned")
	}
	// Values of env are secrets: never in labels.
	for k, v := range labels {
		if strings.HasPrefix(v, "secret-") {
			t.Errorf("label %s carries an env value", k)
		}
	}
	if s.Labels[workspace.LabelManaged] != "false" {
		t.Error("ContainerLabels mutated the spec's labels")
	}
}

func TestContainerLabelsRecordUserLabelKeys(t *testing.T) {
	s := baseSpec(2)
	s.Labels = map[string]string{"team": "r", "cost-center": "42"}
	labels := workspace.ContainerLabels(s)
	if labels[workspace.LabelLabelKeys] != "cost-center,team" {
		t.Errorf("label-keys = %q", labels[workspace.LabelLabelKeys])
	}
}

func TestContainerLabelsWithoutUserMaps(t *testing.T) {
	labels := workspace.ContainerLabels(baseSpec(2))
	if labels[workspace.LabelEnvKeys] != "" || labels[workspace.LabelLabelKeys] != "" {
		t.Errorf("empty key lists expected: %q %q", labels[workspace.LabelEnvKeys], labels[workspace.LabelLabelKeys])
	}
	if !workspace.IsOwned(labels, "0123456789ab-cdef") {
		t.Error("not owned")
	}
}

func TestBuildContainerRequestEnv(t *testing.T) {
	s := baseSpec(2)
	s.Env = map[string]string{"OPENAI_API_KEY": "sk"}
	env := workspace.ParseEnv(BuildContainerRequest(s).Config.Env)
	for k, v := range map[string]string{
		"WORKSPACE_ID": s.WorkspaceID, "WORKSPACE_CONFIG_PATH": "/configs", "PLATFORM_URL": s.PlatformURL,
		"MOLECULE_URL": s.PlatformURL, "TIER": "2", "PLUGINS_DIR": "/plugins", "OPENAI_API_KEY": "sk",
	} {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
}

// Isolation is what the plan compares; each tier must read differently, and
// the same settings must always read the same.
func TestIsolationSummary(t *testing.T) {
	seen := map[string]int{}
	for tier := 1; tier <= 4; tier++ {
		got := Isolation(baseSpec(tier))
		if again := Isolation(baseSpec(tier)); again != got {
			t.Errorf("tier %d isolation unstable: %q vs %q", tier, got, again)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("tiers %d and %d share isolation %q", prev, tier, got)
		}
		seen[got] = tier
	}
	cases := map[int][]string{
		1: {"privileged=false", "pid=private", "network=" + testNetwork, "readonly_rootfs=true", "tmpfs=/tmp:rw,noexec,nosuid,size=64m"},
		2: {"privileged=false", "pid=private", "readonly_rootfs=false"},
		3: {"privileged=true", "pid=host", "network=" + testNetwork},
		4: {"privileged=true", "pid=host", "network=host", "docker_socket=true"},
	}
	for tier, parts := range cases {
		got := strings.Fields(Isolation(baseSpec(tier)))
		for _, p := range parts {
			if !slices.Contains(got, p) {
				t.Errorf("tier %d isolation %v lacks %q", tier, got, p)
			}
		}
	}
	if strings.Contains(Isolation(baseSpec(3)), "docker_socket") {
		t.Error("tier 3 has no socket")
	}
}

func TestBuildContainerRequestDoesNotShareMaps(t *testing.T) {
	s := baseSpec(2)
	s.Labels = map[string]string{"a": "b"}
	before := maps.Clone(s.Labels)
	_ = BuildContainerRequest(s)
	if !maps.Equal(before, s.Labels) {
		t.Errorf("spec labels changed: %v", s.Labels)
	}
}

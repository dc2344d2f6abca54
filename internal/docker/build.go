// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

const dockerSocket = "/var/run/docker.sock"

var agentPort = nat.Port(strconv.Itoa(workspace.AgentPort) + "/tcp")

// ContainerRequest is the full Docker create request for a workspace.
type ContainerRequest struct {
	Name       string
	Config     *container.Config
	HostConfig *container.HostConfig
	Networking *network.NetworkingConfig
}

// BuildContainerRequest turns a spec into Docker's create request. Pure: no
// engine is consulted, so the tier and mount rules are unit-testable.
func BuildContainerRequest(s workspace.WorkspaceSpec) ContainerRequest {
	name := s.ContainerName()
	limits := workspace.EffectiveLimits(s)
	cfg := &container.Config{
		Image:        engineImage(s.Image),
		Env:          workspace.ContainerEnv(s),
		Labels:       workspace.ContainerLabels(s),
		ExposedPorts: nat.PortSet{agentPort: {}},
	}
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		Mounts:        workspaceMounts(s),
		Resources: container.Resources{
			Memory:     limits.MemoryMB * 1024 * 1024,
			MemorySwap: limits.MemoryMB * 1024 * 1024, // no swap: the limit is the limit
			NanoCPUs:   int64(limits.CPUs * 1e9),
		},
	}
	var networking *network.NetworkingConfig
	tier := workspace.TierInfo(s.Tier)
	if tier.Sandboxed {
		host.ReadonlyRootfs = true
		host.Tmpfs = map[string]string{"/tmp": workspace.SandboxTmpfs}
	}
	if tier.Privileged {
		host.Privileged = true
		host.PidMode = "host"
	}
	if s.HostNetwork() {
		host.NetworkMode = workspace.HostNetworkName
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: dockerSocket, Target: dockerSocket})
	} else {
		host.NetworkMode = container.NetworkMode(s.Network)
		host.PortBindings = nat.PortMap{agentPort: {{HostIP: "127.0.0.1", HostPort: ""}}}
		networking = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			s.Network: {Aliases: []string{name}},
		}}
	}
	return ContainerRequest{Name: name, Config: cfg, HostConfig: host, Networking: networking}
}

// workspaceMounts returns /configs, claude-code's sessions volume, plus
// /workspace on the tiers that have one.
func workspaceMounts(s workspace.WorkspaceSpec) []mount.Mount {
	mounts := []mount.Mount{{Type: mount.TypeVolume, Source: s.ConfigVolume(), Target: "/configs"}}
	if v := s.SessionsVolume(); v != "" {
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: v, Target: workspace.ClaudeSessionsPath})
	}
	if !workspace.TierHasWorkspace(s.Tier) {
		return mounts
	}
	wm := workspace.WorkspaceMountFor(s.WorkspacePath, s.WorkspaceAccess)
	if wm.Kind == workspace.MountHostDir {
		return append(mounts, mount.Mount{Type: mount.TypeBind, Source: wm.HostPath, Target: "/workspace", ReadOnly: wm.ReadOnly})
	}
	return append(mounts, mount.Mount{Type: mount.TypeVolume, Source: s.WorkspaceVolume(), Target: "/workspace"})
}

// engineImage is the reference the engine gets (see ImageRef.EngineRef).
func engineImage(image string) string {
	if ref, err := workspace.ParseImageRef(image); err == nil {
		return ref.EngineRef()
	}
	return image
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// Labels recording the spec on the container, so import and drift detection
// can read back what cannot be derived from the container's configuration.
const (
	LabelRuntime = "ai.molecule.terraform.runtime"
	LabelName    = "ai.molecule.terraform.name"
	LabelTier    = "ai.molecule.terraform.tier"
	// The keys (never the values) of the user's env and labels: images bring
	// env and labels of their own, and import must tell them apart.
	LabelEnvKeys   = "ai.molecule.terraform.env-keys"
	LabelLabelKeys = "ai.molecule.terraform.label-keys"
	// Set only when the workspace has write-only env: the keys (kept apart
	// from env-keys, so they are never read back into state) and the
	// secret_env_wo_version that put them there (read back, for import).
	LabelSecretEnvKeys    = "ai.molecule.terraform.secret-env-keys"
	LabelSecretEnvVersion = "ai.molecule.terraform.secret-env-version"
	// The platform_token_wo_version that wrote /configs/.auth_token.
	LabelPlatformTokenVersion = "ai.molecule.terraform.platform-token-version"
)

const dockerSocket = "/var/run/docker.sock"

var agentPort = nat.Port(strconv.Itoa(AgentPort) + "/tcp")

// ContainerRequest is the full Docker create request for a workspace.
type ContainerRequest struct {
	Name       string
	Config     *container.Config
	HostConfig *container.HostConfig
	Networking *network.NetworkingConfig
}

// ContainerLabels returns the user's labels plus ownership and spec labels.
func ContainerLabels(s WorkspaceSpec) map[string]string {
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, OwnershipLabels(s.WorkspaceID, RoleContainer))
	labels[LabelRuntime] = s.Runtime
	labels[LabelName] = s.Name
	labels[LabelTier] = strconv.Itoa(s.Tier)
	labels[LabelEnvKeys] = strings.Join(slices.Sorted(maps.Keys(s.Env)), ",")
	labels[LabelLabelKeys] = strings.Join(slices.Sorted(maps.Keys(s.Labels)), ",")
	if len(s.SecretEnv) > 0 {
		labels[LabelSecretEnvKeys] = strings.Join(slices.Sorted(maps.Keys(s.SecretEnv)), ",")
	}
	if s.SecretEnvVersion != "" {
		labels[LabelSecretEnvVersion] = s.SecretEnvVersion
	}
	if s.PlatformTokenVersion != "" {
		labels[LabelPlatformTokenVersion] = s.PlatformTokenVersion
	}
	return labels
}

// BuildContainerRequest turns a spec into Docker's create request. Pure: no
// engine is consulted, so the tier and mount rules are unit-testable.
func BuildContainerRequest(s WorkspaceSpec) ContainerRequest {
	name := s.ContainerName()
	limits := EffectiveLimits(s)
	cfg := &container.Config{
		Image:        engineImage(s.Image),
		Env:          ContainerEnv(s),
		Labels:       ContainerLabels(s),
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
	tier := TierInfo(s.Tier)
	if tier.Sandboxed {
		host.ReadonlyRootfs = true
		host.Tmpfs = map[string]string{"/tmp": SandboxTmpfs}
	}
	if tier.Privileged {
		host.Privileged = true
		host.PidMode = "host"
	}
	if s.HostNetwork() {
		host.NetworkMode = HostNetworkName
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
func workspaceMounts(s WorkspaceSpec) []mount.Mount {
	mounts := []mount.Mount{{Type: mount.TypeVolume, Source: s.ConfigVolume(), Target: "/configs"}}
	if v := s.SessionsVolume(); v != "" {
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: v, Target: ClaudeSessionsPath})
	}
	if !TierHasWorkspace(s.Tier) {
		return mounts
	}
	wm := WorkspaceMountFor(s.WorkspacePath, s.WorkspaceAccess)
	if wm.Kind == MountHostDir {
		return append(mounts, mount.Mount{Type: mount.TypeBind, Source: wm.HostPath, Target: "/workspace", ReadOnly: wm.ReadOnly})
	}
	return append(mounts, mount.Mount{Type: mount.TypeVolume, Source: s.WorkspaceVolume(), Target: "/workspace"})
}

// engineImage is the reference the engine gets (see ImageRef.EngineRef).
func engineImage(image string) string {
	if ref, err := ParseImageRef(image); err == nil {
		return ref.EngineRef()
	}
	return image
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"slices"
	"time"
)

// AgentPort is the port the workspace's A2A server listens on inside the container.
const AgentPort = 8000

// HostNetworkName is the network of a container that shares the host's.
const HostNetworkName = "host"

// BuiltinNetworks are Docker's own networks other than the host's ("default"
// is how a container created without a network records the engine's
// bridge). A workspace joins its network with its name as an alias, which
// Docker allows only on user-defined networks, so none of these can be a
// workspace's network; the host's is the host-network tiers' own.
var BuiltinNetworks = []string{"bridge", "none", "default"}

// IsBuiltinNetwork reports whether name is one of BuiltinNetworks.
func IsBuiltinNetwork(name string) bool { return slices.Contains(BuiltinNetworks, name) }

// DefaultNetwork is the Docker network workspaces join unless told otherwise.
const DefaultNetwork = "molecule-monorepo-net"

// DefaultReadyPath is the agent card path polled to decide that a workspace serves.
const DefaultReadyPath = "/.well-known/agent-card.json"

// Workspace access modes for /workspace.
const (
	AccessNone      = "none"
	AccessReadOnly  = "read_only"
	AccessReadWrite = "read_write"
)

// AccessModes lists the valid workspace_access values.
var AccessModes = []string{AccessNone, AccessReadOnly, AccessReadWrite}

// WorkspaceSpec is everything needed to build one workspace: plain values, no
// Terraform types. The resource layer fills it from the plan.
type WorkspaceSpec struct {
	WorkspaceID        string
	Name               string
	Runtime            string
	Image              string
	ImagePull          string // PullMissing, PullAlways or PullNever ("" is PullNever)
	ImageDigest        string // registry digest the plan expects, "" when unknown
	Tier               int
	MemoryMB           int64 // 0: the tier's default
	CPUs               float64
	WorkspaceAccess    string
	WorkspacePath      string
	Template           *TemplateManifest // nil: no template directory
	ConfigFiles        map[string]string
	Env                map[string]string
	PlatformURL        string
	AwarenessURL       string
	AwarenessNamespace string
	Network            string
	Labels             map[string]string
	Running            bool

	// SecretEnv holds write-only variables: merged into the container's
	// environment at create, never read back. Only its keys and
	// SecretEnvVersion ("" when not set) are recorded, as labels.
	SecretEnv        map[string]string
	SecretEnvVersion string

	// PlatformToken is the workspace's platform token, written to
	// /configs/.auth_token (mode 0600) before the container starts and never
	// read back. Only PlatformTokenVersion is recorded, as a label.
	PlatformToken        string
	PlatformTokenVersion string

	// AdoptedVolumes are the volumes of a workspace adopted from the
	// platform: used (and on destroy removed) although they lack our
	// labels. AdoptedWorkspaceVolume is the /workspace one among them, whose
	// name may follow the platform's scheme rather than ours.
	AdoptedVolumes         []string
	AdoptedWorkspaceVolume string

	WaitForReady bool
	ReadyPath    string
	ReadyTimeout time.Duration
}

// ContainerName is the name of the spec's container.
func (s WorkspaceSpec) ContainerName() string { return ContainerName(s.WorkspaceID) }

// ConfigVolume is the name of the spec's config volume.
func (s WorkspaceSpec) ConfigVolume() string { return ConfigVolumeName(s.WorkspaceID) }

// UsesWorkspaceVolume reports whether /workspace is a named volume (not a host dir).
func (s WorkspaceSpec) UsesWorkspaceVolume() bool {
	return TierHasWorkspace(s.Tier) && WorkspaceMountFor(s.WorkspacePath, s.WorkspaceAccess).Kind == MountVolume
}

// WorkspaceVolume is the named /workspace volume, or "" when none is used.
func (s WorkspaceSpec) WorkspaceVolume() string {
	if !s.UsesWorkspaceVolume() {
		return ""
	}
	if s.AdoptedWorkspaceVolume != "" {
		return s.AdoptedWorkspaceVolume
	}
	return WorkspaceVolumeName(s.WorkspaceID)
}

// SessionsVolume is claude-code's sessions volume, or "" for other runtimes.
func (s WorkspaceSpec) SessionsVolume() string {
	if !HasSessionsVolume(s.Runtime) {
		return ""
	}
	return SessionsVolumeName(s.WorkspaceID)
}

// HostNetwork reports whether the container shares the host's network.
func (s WorkspaceSpec) HostNetwork() bool { return TierUsesHostNetwork(s.Tier) }

// IsAdoptedVolume reports whether a volume name belongs to an adopted workspace.
func (s WorkspaceSpec) IsAdoptedVolume(volume string) bool {
	return slices.Contains(s.AdoptedVolumes, volume)
}

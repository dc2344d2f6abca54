// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"strings"
)

// Workspace status values: Docker's container states, plus two of ours.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusRemoving   = "removing"
	StatusExited     = "exited"
	StatusDead       = "dead"
	// StatusMissing is the observation of a container that does not exist;
	// the resource drops such a workspace from state, so it is never stored.
	StatusMissing = "missing"
	// StatusUnknown marks a record kept in state after a create that failed
	// half-way (see partialObservation) or a destroy that failed.
	StatusUnknown = "unknown"
)

// ContainerStatuses are the states Docker reports for a container, in its
// order; the status of every existing workspace is one of them.
var ContainerStatuses = []string{StatusCreated, StatusRunning, StatusPaused, StatusRestarting, StatusRemoving, StatusExited, StatusDead}

// ObservedWorkspace is what inspection found: plain values the resource layer
// maps onto state.
type ObservedWorkspace struct {
	Exists        bool
	Owned         bool // carries our ownership label for the expected workspace id
	ContainerID   string
	ContainerName string
	WorkspaceID   string
	Name          string
	Runtime       string
	Tier          int

	Image   string // reference the container was created from
	ImageID string
	// ImageDigest is the registry digest of the image, known only right
	// after a create (ImageDigestKnown): refresh keeps the recorded one.
	ImageDigest      string
	ImageDigestKnown bool

	Status       string
	Running      bool
	RestartCount int
	OOMKilled    bool
	ExitCode     int

	MemoryMB int64
	CPUs     float64
	Env      map[string]string // the whole environment, image's included
	UserEnv  map[string]string // only the keys the user set
	Labels   map[string]string // only the labels the user set
	// SecretEnvVersion is the secret_env_wo_version label ("" when none).
	SecretEnvVersion string
	// PlatformTokenVersion is the platform-token-version label ("" when none).
	PlatformTokenVersion string

	ConfigVolume    string
	WorkspaceVolume string
	SessionsVolume  string // claude-code's sessions volume, else ""
	// AnonymousVolumes lists the paths where the engine gave the container
	// an anonymous volume (an image's VOLUME nothing else mounts there).
	// They go with the container (see Delete).
	AnonymousVolumes []string
	WorkspacePath    string
	WorkspaceRO      bool
	Isolation        string
	Network          string

	HostPort    string
	ContainerIP string

	// ConfigFiles holds the contents read back for import (see
	// ReadConfigFiles); nil when not read.
	ConfigFiles map[string]string
	// ConfigHashes holds relpath -> hash of every file in /configs; nil when not read.
	ConfigHashes map[string]string
	// ConfigStamp summarises the stat of the single managed config file
	// when the hashes were read or written ("" when none covers them): a
	// refresh that finds the same stamp need not read the files again.
	ConfigStamp string
}

// HostURL is the agent's address from the host, or "" without a published port.
func (o ObservedWorkspace) HostURL() string {
	if o.HostPort == "" {
		return ""
	}
	return "http://127.0.0.1:" + o.HostPort
}

// Missing returns the observation of a workspace whose container does not exist.
func Missing(workspaceID string) ObservedWorkspace {
	return ObservedWorkspace{WorkspaceID: workspaceID, ContainerName: ContainerName(workspaceID), Status: StatusMissing}
}

// IsAnonymousVolume reports whether a volume name is one the engine made up
// (64 hex digits, for an image's VOLUME that nothing else mounts). Container
// inspect and list say no more about a mount; named volumes of ours and the
// user's never look like that.
func IsAnonymousVolume(name string) bool {
	if len(name) != 64 {
		return false
	}
	for _, c := range name {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// PickKeys returns the entries of all whose keys are in the comma-separated list.
func PickKeys(all map[string]string, keys string) map[string]string {
	out := map[string]string{}
	for _, k := range strings.Split(keys, ",") {
		if v, ok := all[k]; ok && k != "" {
			out[k] = v
		}
	}
	return out
}

// UserLabels drops our reserved labels, leaving the user's.
func UserLabels(all map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		if !IsReservedLabel(k) {
			out[k] = v
		}
	}
	return out
}

// String names the container for messages.
func (o ObservedWorkspace) String() string {
	return fmt.Sprintf("container %s (%s)", o.ContainerName, o.Status)
}

// WorkspaceAccess is the access mode the /workspace mount shows.
func (o ObservedWorkspace) WorkspaceAccess() string {
	switch {
	case o.WorkspacePath == "":
		return AccessNone
	case o.WorkspaceRO:
		return AccessReadOnly
	default:
		return AccessReadWrite
	}
}

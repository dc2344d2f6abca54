// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "context"

// Backend is where workspaces run: a Docker engine (internal/docker) or a
// Kubernetes cluster (internal/kubernetes). The resources speak only to this
// interface, in plain values of this package, so no engine's types reach
// them; a fake Backend is what the plan logic's unit tests run against.
//
// Every method means the same on every backend. A backend that cannot do
// something returns an *UnsupportedError saying why and what to use instead.
type Backend interface {
	// Host names where the workspaces run (engine or API server address),
	// for messages.
	Host() string

	// Create makes a workspace's objects, starts it when s.Running and
	// waits, when s.WaitForReady, until it serves. A failure before it
	// starts removes what the call made; a failure while waiting returns the
	// observation alongside a *CrashError, *UnhealthyError or
	// *NotReadyError, so the caller can record it (tainted).
	Create(ctx context.Context, s WorkspaceSpec, progress Progress) (ObservedWorkspace, error)
	// Update changes limits, config files and the running state in place.
	Update(ctx context.Context, s WorkspaceSpec, ch Changes, progress Progress) (ObservedWorkspace, error)
	// Delete removes every object of the workspace that carries our labels
	// (volumes unless r.KeepVolumes); what is already gone counts as removed.
	Delete(ctx context.Context, r Removal, progress Progress) error

	// Inspect observes one workspace; a missing one is Missing, not an error.
	// withFiles also reads the hashes of /configs.
	Inspect(ctx context.Context, workspaceID string, withFiles bool) (ObservedWorkspace, error)
	// InspectFiles is Inspect for refresh: the managed files are read back
	// only when the stamp recorded as known no longer holds.
	InspectFiles(ctx context.Context, workspaceID string, managed []string, known string) (ObservedWorkspace, error)
	// ReadConfigFiles returns the text files in /configs of the workspace
	// observed with ContainerID, for import.
	ReadConfigFiles(ctx context.Context, containerID string) (map[string]string, error)
	// List returns the workspaces matching f in one call, whatever their number.
	List(ctx context.Context, f ListFilter) ([]ObservedWorkspace, error)
	// DetachedVolumes lists our volumes that no workspace uses.
	DetachedVolumes(ctx context.Context) ([]DetachedVolume, error)

	// NameConflict describes an object that holds a name the workspace
	// would take and is not this workspace's ("" when free), and whether
	// that holder is ours.
	NameConflict(ctx context.Context, workspaceID string) (msg string, ownedByUs bool, err error)
	// VolumeExists reports whether a volume of ours for workspaceID exists.
	VolumeExists(ctx context.Context, name, workspaceID string) (bool, error)
	// VolumeHoldsConfig reports whether the workspace's kept config volume
	// already holds a config.yaml.
	VolumeHoldsConfig(ctx context.Context, workspaceID, image string) (bool, error)
	// CheckNetwork confirms a network exists (a *MissingNetworkError when not).
	CheckNetwork(ctx context.Context, name string) error
	// CPUCount bounds a workspace's CPU limit.
	CPUCount(ctx context.Context) (int, error)
	// Isolation summarises, readably, the settings of s that cannot change
	// in place: a change of it plans a replacement.
	Isolation(s WorkspaceSpec) string

	// ImageID is the backend's local image ID for ref (a *MissingImageError
	// when it has none).
	ImageID(ctx context.Context, ref string) (string, error)
	// LocalDigest is the registry digest of the local image for ref's
	// repository ("" when it has none).
	LocalDigest(ctx context.Context, ref ImageRef) (id, digest string, err error)
	// RegistryDigest asks ref's registry for the digest its tag points to now.
	RegistryDigest(ctx context.Context, ref ImageRef) (string, error)
	// ImageDigestOf is the registry digest of a local image, "" when unknown.
	ImageDigestOf(ctx context.Context, ref, imageID string) string

	// SeesHostFiles reports whether host paths can be checked from here.
	SeesHostFiles() bool
	// SocketPath is the engine's socket on its host, "" when none.
	SocketPath() string

	// PlatformOwned is an error when the workspace's name is held by a
	// workspace the Molecule platform made.
	PlatformOwned(ctx context.Context, workspaceID string) error
	// InspectPlatformContainer observes a platform-made workspace, for adoption.
	InspectPlatformContainer(ctx context.Context, workspaceID string) (ObservedWorkspace, error)
	// Adopt replaces a platform-made workspace by ours on the same volumes.
	Adopt(ctx context.Context, s WorkspaceSpec, platformContainerID string, progress Progress) (ObservedWorkspace, error)
	// CheckAdoptedVolumes confirms that every adopted volume exists.
	CheckAdoptedVolumes(ctx context.Context, volumes []string) error

	// CreateNetwork, InspectNetwork and DeleteNetwork manage the networks
	// workspaces join (molecule_network).
	CreateNetwork(ctx context.Context, s NetworkSpec) (ObservedNetwork, error)
	InspectNetwork(ctx context.Context, name string) (ObservedNetwork, error)
	DeleteNetwork(ctx context.Context, name string) error

	// Close releases the backend's connections.
	Close() error
}

// UnsupportedError reports something a backend cannot do.
type UnsupportedError struct {
	Backend string // "Kubernetes"
	What    string // what was asked
	Why     string
	Instead string // what to do instead, "" when nothing
}

func (u *UnsupportedError) Error() string {
	msg := u.What + " is not supported on " + u.Backend + ": " + u.Why + "."
	if u.Instead != "" {
		msg += " " + u.Instead
	}
	return msg
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
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

// observe maps Docker's inspect response to an ObservedWorkspace.
func observe(info container.InspectResponse, workspaceID string) ObservedWorkspace {
	o := ObservedWorkspace{Exists: true, ContainerID: info.ID, ContainerName: strings.TrimPrefix(info.Name, "/"), ImageID: info.Image}
	labels := map[string]string{}
	if info.Config != nil {
		o.Image = info.Config.Image
		o.Env = ParseEnv(info.Config.Env)
		labels = info.Config.Labels
	}
	o.Owned = IsOwned(labels, workspaceID)
	o.WorkspaceID = labels[LabelWorkspaceID]
	o.Name = labels[LabelName]
	o.Runtime = labels[LabelRuntime]
	o.Tier, _ = strconv.Atoi(labels[LabelTier])
	o.Labels = pick(labels, labels[LabelLabelKeys])
	o.UserEnv = pick(o.Env, labels[LabelEnvKeys])
	o.SecretEnvVersion = labels[LabelSecretEnvVersion]
	o.PlatformTokenVersion = labels[LabelPlatformTokenVersion]
	if st := info.State; st != nil {
		o.Status = st.Status
		o.Running = st.Running && !st.Restarting
		if st.Restarting {
			o.Status = StatusRestarting
		}
		o.OOMKilled = st.OOMKilled
		o.ExitCode = st.ExitCode
	}
	o.RestartCount = info.RestartCount
	if hc := info.HostConfig; hc != nil {
		o.MemoryMB = hc.Memory / (1024 * 1024)
		o.CPUs = float64(hc.NanoCPUs) / 1e9
		o.Isolation = describeIsolation(hc)
		o.Network = string(hc.NetworkMode)
	}
	o.readMounts(info.Mounts)
	if ns := info.NetworkSettings; ns != nil {
		if b := ns.Ports[agentPort]; len(b) > 0 {
			o.HostPort = b[0].HostPort
		}
		if ep := ns.Networks[o.Network]; ep != nil {
			o.ContainerIP = ep.IPAddress
		}
	}
	return o
}

// readMounts records what backs /configs and /workspace. Anonymous volumes
// (an image's VOLUME paths that nothing else mounts, such as /workspace on
// tier 1) are counted apart: they are not the workspace's named volumes.
func (o *ObservedWorkspace) readMounts(mounts []container.MountPoint) {
	for _, m := range mounts {
		if m.Type == mount.TypeVolume && IsAnonymousVolume(m.Name) {
			o.AnonymousVolumes = append(o.AnonymousVolumes, m.Destination)
			continue
		}
		switch {
		case m.Destination == "/configs" && m.Type == mount.TypeVolume:
			o.ConfigVolume = m.Name
		case m.Destination == "/workspace" && m.Type == mount.TypeVolume:
			o.WorkspaceVolume = m.Name
		case m.Destination == ClaudeSessionsPath && m.Type == mount.TypeVolume:
			o.SessionsVolume = m.Name
		case m.Destination == "/workspace" && m.Type == mount.TypeBind:
			o.WorkspacePath = m.Source
			o.WorkspaceRO = !m.RW
		}
	}
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

// pick returns the entries of all whose keys are in the comma-separated list.
func pick(all map[string]string, keys string) map[string]string {
	out := map[string]string{}
	for _, k := range strings.Split(keys, ",") {
		if v, ok := all[k]; ok && k != "" {
			out[k] = v
		}
	}
	return out
}

func userLabels(all map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		if !IsReservedLabel(k) {
			out[k] = v
		}
	}
	return out
}

// Isolation summarises the settings that decide a container's isolation and
// that Docker cannot change in place, in a form readable in a plan diff.
func Isolation(s WorkspaceSpec) string {
	req := BuildContainerRequest(s)
	return describeIsolation(req.HostConfig)
}

func describeIsolation(hc *container.HostConfig) string {
	parts := []string{
		"privileged=" + strconv.FormatBool(hc.Privileged),
		"pid=" + orDefault(string(hc.PidMode), "private"),
		"network=" + orDefault(string(hc.NetworkMode), "default"),
		"readonly_rootfs=" + strconv.FormatBool(hc.ReadonlyRootfs),
	}
	var tmpfs []string
	for path, opts := range hc.Tmpfs {
		tmpfs = append(tmpfs, path+":"+opts)
	}
	sort.Strings(tmpfs)
	if len(tmpfs) > 0 {
		parts = append(parts, "tmpfs="+strings.Join(tmpfs, ","))
	}
	for _, m := range hc.Mounts {
		if m.Target == dockerSocket {
			parts = append(parts, "docker_socket=true")
		}
	}
	for _, b := range hc.Binds {
		if strings.HasPrefix(b, dockerSocket+":") {
			parts = append(parts, "docker_socket=true")
		}
	}
	// Privileges a container can only get at creation. The provider never
	// sets them, so they appear only when added outside Terraform.
	if len(hc.CapAdd) > 0 {
		parts = append(parts, "cap_add="+strings.Join(slices.Sorted(slices.Values(hc.CapAdd)), ","))
	}
	if opts := addedSecurityOpts(hc); len(opts) > 0 {
		parts = append(parts, "security_opt="+strings.Join(opts, ","))
	}
	if len(hc.Devices) > 0 {
		devices := make([]string, 0, len(hc.Devices))
		for _, d := range hc.Devices {
			devices = append(devices, d.PathOnHost)
		}
		slices.Sort(devices)
		parts = append(parts, "devices="+strings.Join(devices, ","))
	}
	return strings.Join(parts, " ")
}

// addedSecurityOpts returns the container's security options, sorted,
// without the "label=disable" that Docker itself adds to privileged
// containers and to those sharing the host's PID or IPC namespace.
func addedSecurityOpts(hc *container.HostConfig) []string {
	byDocker := hc.Privileged || hc.PidMode.IsHost() || hc.IpcMode.IsHost()
	var opts []string
	for _, o := range hc.SecurityOpt {
		if byDocker && (o == "label=disable" || o == "label:disable") {
			continue
		}
		opts = append(opts, o)
	}
	slices.Sort(opts)
	return opts
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// String names the container for messages.
func (o ObservedWorkspace) String() string {
	return fmt.Sprintf("container %s (%s)", o.ContainerName, o.Status)
}

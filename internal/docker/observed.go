// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// observe maps Docker's inspect response to an ObservedWorkspace.
func observe(info container.InspectResponse, workspaceID string) workspace.ObservedWorkspace {
	o := workspace.ObservedWorkspace{Exists: true, ContainerID: info.ID, ContainerName: strings.TrimPrefix(info.Name, "/"), ImageID: info.Image}
	labels := map[string]string{}
	if info.Config != nil {
		o.Image = info.Config.Image
		o.Env = workspace.ParseEnv(info.Config.Env)
		labels = info.Config.Labels
	}
	o.Owned = workspace.IsOwned(labels, workspaceID)
	o.WorkspaceID = labels[workspace.LabelWorkspaceID]
	o.Name = labels[workspace.LabelName]
	o.Runtime = labels[workspace.LabelRuntime]
	o.Tier, _ = strconv.Atoi(labels[workspace.LabelTier])
	o.Labels = workspace.PickKeys(labels, labels[workspace.LabelLabelKeys])
	o.UserEnv = workspace.PickKeys(o.Env, labels[workspace.LabelEnvKeys])
	o.SecretEnvVersion = labels[workspace.LabelSecretEnvVersion]
	o.PlatformTokenVersion = labels[workspace.LabelPlatformTokenVersion]
	if st := info.State; st != nil {
		o.Status = st.Status
		o.Running = st.Running && !st.Restarting
		if st.Restarting {
			o.Status = workspace.StatusRestarting
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
	readMounts(&o, info.Mounts)
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
func readMounts(o *workspace.ObservedWorkspace, mounts []container.MountPoint) {
	for _, m := range mounts {
		if m.Type == mount.TypeVolume && workspace.IsAnonymousVolume(m.Name) {
			o.AnonymousVolumes = append(o.AnonymousVolumes, m.Destination)
			continue
		}
		switch {
		case m.Destination == "/configs" && m.Type == mount.TypeVolume:
			o.ConfigVolume = m.Name
		case m.Destination == "/workspace" && m.Type == mount.TypeVolume:
			o.WorkspaceVolume = m.Name
		case m.Destination == workspace.ClaudeSessionsPath && m.Type == mount.TypeVolume:
			o.SessionsVolume = m.Name
		case m.Destination == "/workspace" && m.Type == mount.TypeBind:
			o.WorkspacePath = m.Source
			o.WorkspaceRO = !m.RW
		}
	}
}

// Isolation summarises the settings that decide a container's isolation and
// that Docker cannot change in place, in a form readable in a plan diff.
func Isolation(s workspace.WorkspaceSpec) string {
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

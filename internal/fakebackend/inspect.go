// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"fmt"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Inspect observes one workspace; one whose name is free or held by
// something else is Missing.
func (b *Backend) Inspect(_ context.Context, workspaceID string, withFiles bool) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("Inspect", workspaceID); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	c := b.own(workspaceID)
	if c == nil {
		return workspace.Missing(workspaceID), nil
	}
	return b.observe(c, withFiles), nil
}

// InspectFiles is Inspect for refresh: with a single managed file whose
// stamp (its write generation here, its stat on Docker) equals known, the
// hashes are not read (nil). Reading them is recorded as a call
// "readConfigHashes", as it costs the Docker backend one.
func (b *Backend) InspectFiles(_ context.Context, workspaceID string, managed []string, known string) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("InspectFiles", workspaceID); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	c := b.own(workspaceID)
	if c == nil {
		return workspace.Missing(workspaceID), nil
	}
	obs := b.observe(c, false)
	obs.ConfigStamp = b.stamp(c, managed)
	if obs.ConfigStamp != "" && obs.ConfigStamp == known {
		return obs, nil
	}
	// Reading /configs back is a call of its own on Docker.
	b.calls = append(b.calls, Call{Method: "readConfigHashes", Target: workspaceID})
	obs.ConfigHashes = b.hashes(c)
	return obs, nil
}

// stamp summarises the only managed file's state, "" with several.
func (b *Backend) stamp(c *container, managed []string) string {
	if len(managed) != 1 {
		return ""
	}
	f, ok := b.configFiles(c)[managed[0]]
	if !ok {
		return fmt.Sprintf("%.12s %s missing", c.id, managed[0])
	}
	return fmt.Sprintf("%.12s %s generation %d", c.id, managed[0], f.generation)
}

func (b *Backend) configFiles(c *container) map[string]configFile {
	if vol := b.volumes[c.spec.ConfigVolume()]; vol != nil {
		return vol.files
	}
	return nil
}

func (b *Backend) hashes(c *container) map[string]string {
	out := map[string]string{}
	for path, f := range b.configFiles(c) {
		out[path] = f.hash
	}
	return out
}

// own is the workspace's container when it is ours for that id.
func (b *Backend) own(workspaceID string) *container {
	c := b.containers[workspace.ContainerName(workspaceID)]
	if c == nil || c.foreign || c.workspaceID != workspaceID {
		return nil
	}
	return c
}

// observe reports a container the way the Docker backend's inspect does.
func (b *Backend) observe(c *container, withFiles bool) workspace.ObservedWorkspace {
	s := c.spec
	labels := workspace.ContainerLabels(s)
	env := workspace.ParseEnv(workspace.ContainerEnv(s))
	o := workspace.ObservedWorkspace{
		Exists: true, Owned: true, ContainerID: c.id, ContainerName: c.name,
		WorkspaceID: c.workspaceID, Name: s.Name, Runtime: s.Runtime, Tier: s.Tier,
		Image: c.imageRef, ImageID: c.imageID,
		Status: c.status, Running: c.status == workspace.StatusRunning,
		RestartCount: c.restarts, OOMKilled: c.oomKilled, ExitCode: c.exitCode,
		MemoryMB: c.memoryMB, CPUs: c.cpus,
		Env: env, UserEnv: workspace.PickKeys(env, labels[workspace.LabelEnvKeys]),
		Labels:               workspace.PickKeys(labels, labels[workspace.LabelLabelKeys]),
		SecretEnvVersion:     s.SecretEnvVersion,
		PlatformTokenVersion: s.PlatformTokenVersion,
		ConfigVolume:         s.ConfigVolume(),
		WorkspaceVolume:      s.WorkspaceVolume(),
		SessionsVolume:       s.SessionsVolume(),
		Isolation:            c.isolation,
		Network:              s.Network,
		HostPort:             c.hostPort,
	}
	if s.HostNetwork() {
		o.Network = workspace.HostNetworkName
	}
	if workspace.TierHasWorkspace(s.Tier) {
		if m := workspace.WorkspaceMountFor(s.WorkspacePath, s.WorkspaceAccess); m.Kind == workspace.MountHostDir {
			o.WorkspacePath, o.WorkspaceRO = m.HostPath, m.ReadOnly
		}
	}
	if withFiles {
		o.ConfigHashes = b.hashes(c)
	}
	return o
}

// ReadConfigFiles returns the text files in /configs that the provider
// wrote from config_files (template files are known by hash only here; the
// platform token is never returned).
func (b *Backend) ReadConfigFiles(_ context.Context, containerID string) (map[string]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("ReadConfigFiles", containerID); err != nil {
		return nil, err
	}
	for _, c := range b.containers {
		if c.id != containerID {
			continue
		}
		out := map[string]string{}
		for path, f := range b.configFiles(c) {
			if path != workspace.AuthTokenFile && f.content != "" {
				out[path] = f.content
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("reading /configs of container %.12s on %s: no such container", containerID, Host)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Create makes the volumes and the container, writes the config files and
// starts it when s.Running, in the Docker backend's order: the image (per
// its pull policy), the network and the name are checked before anything
// is made, and a failure then leaves nothing. A crash set with CrashOnStart
// leaves the container stopped and returns it with a *CrashError.
func (b *Backend) Create(_ context.Context, s workspace.WorkspaceSpec, _ workspace.Progress) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("Create", s.WorkspaceID); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	hashes, err := workspace.ExpectedHashes(s.Template, s.ConfigFiles)
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("packing config files for %s: %w", s.ContainerName(), err)
	}
	if err := b.ensureImage(s); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	ref := engineRef(s.Image)
	img, ok := b.lookup(ref)
	if !ok {
		return workspace.ObservedWorkspace{}, fmt.Errorf("creating container %s: %w", s.ContainerName(), &workspace.MissingImageError{Ref: s.Image})
	}
	if !s.HostNetwork() {
		if _, ok := b.networks[s.Network]; !ok {
			return workspace.ObservedWorkspace{}, &workspace.MissingNetworkError{Name: s.Network, Host: Host}
		}
	}
	name := s.ContainerName()
	if holder := b.containers[name]; holder != nil {
		if !holder.foreign && holder.workspaceID == s.WorkspaceID {
			return workspace.ObservedWorkspace{}, fmt.Errorf("container %s for workspace %q already exists on %s: adopt it with terraform import", name, s.WorkspaceID, Host)
		}
		return workspace.ObservedWorkspace{}, errors.New(b.describeConflict(holder, s.WorkspaceID))
	}
	for _, v := range specVolumes(s) {
		if have := b.volumes[v.name]; have != nil && have.workspaceID != s.WorkspaceID && !s.IsAdoptedVolume(v.name) {
			return workspace.ObservedWorkspace{}, &workspace.VolumeTakenError{Volume: v.name, Host: Host, WorkspaceID: s.WorkspaceID}
		}
	}
	for _, v := range specVolumes(s) {
		if b.volumes[v.name] == nil {
			b.volumes[v.name] = &volume{name: v.name, workspaceID: s.WorkspaceID, role: v.role, files: map[string]configFile{}}
		}
	}
	limits := workspace.EffectiveLimits(s)
	c := &container{
		id: b.newID(""), name: name, workspaceID: s.WorkspaceID, spec: cloneSpec(s),
		imageRef: ref, imageID: img.id, isolation: b.Isolation(s),
		memoryMB: limits.MemoryMB, cpus: limits.CPUs, status: workspace.StatusCreated,
	}
	b.containers[name] = c
	b.writeFiles(s, hashes)
	obs := b.observe(c, true)
	obs.ImageDigest, obs.ImageDigestKnown = img.digest, true
	if r, err := workspace.ParseImageRef(s.Image); err == nil && r.Pinned() {
		obs.ImageDigest = r.Digest()
	}
	if !s.Running {
		return obs, nil
	}
	err = b.start(c)
	digest := obs.ImageDigest
	obs = b.observe(c, true)
	obs.ImageDigest, obs.ImageDigestKnown = digest, true
	obs.ConfigStamp = b.writtenStamp(c, hashes)
	return obs, err
}

// writtenStamp is the config stamp recorded right after the files were
// written, as the Docker backend records it: only when config.yaml is the
// single file written ("" otherwise, so the next refresh reads them back).
func (b *Backend) writtenStamp(c *container, written map[string]string) string {
	if _, ok := written["config.yaml"]; !ok || len(written) != 1 {
		return ""
	}
	return b.stamp(c, []string{"config.yaml"})
}

type namedVolume struct{ name, role string }

// specVolumes are the named volumes a spec mounts.
func specVolumes(s workspace.WorkspaceSpec) []namedVolume {
	out := []namedVolume{{s.ConfigVolume(), workspace.RoleConfigVolume}}
	if v := s.WorkspaceVolume(); v != "" {
		out = append(out, namedVolume{v, workspace.RoleWorkspaceVolume})
	}
	if v := s.SessionsVolume(); v != "" {
		out = append(out, namedVolume{v, workspace.RoleSessionsVolume})
	}
	return out
}

// writeFiles copies the spec's files into its config volume (over what it
// holds, as an archive extraction does) and the platform token.
func (b *Backend) writeFiles(s workspace.WorkspaceSpec, hashes map[string]string) {
	vol := b.volumes[s.ConfigVolume()]
	for path, hash := range hashes {
		f := vol.files[path]
		vol.files[path] = configFile{hash: hash, content: s.ConfigFiles[path], generation: f.generation + 1}
	}
	if s.PlatformToken != "" {
		f := vol.files[workspace.AuthTokenFile]
		vol.files[workspace.AuthTokenFile] = configFile{hash: workspace.HashContent([]byte(s.PlatformToken)), generation: f.generation + 1}
	}
}

// start runs a container, or crashes it as CrashOnStart said.
func (b *Backend) start(c *container) error {
	if cr, ok := b.crashes[c.workspaceID]; ok {
		delete(b.crashes, c.workspaceID)
		c.status, c.exitCode, c.oomKilled, c.hostPort = workspace.StatusExited, cr.exitCode, cr.oomKilled, ""
		return &workspace.CrashError{Container: c.name, Status: c.status, ExitCode: cr.exitCode, OOMKilled: cr.oomKilled, Logs: cr.logs}
	}
	c.status, c.exitCode, c.oomKilled = workspace.StatusRunning, 0, false
	if !c.spec.HostNetwork() {
		b.hostPorts++
		c.hostPort = strconv.Itoa(b.hostPorts)
	}
	return nil
}

func (b *Backend) stop(c *container) {
	c.status, c.exitCode, c.hostPort = workspace.StatusExited, 0, ""
}

// Update changes limits, config files and the running state in place.
func (b *Backend) Update(_ context.Context, s workspace.WorkspaceSpec, ch workspace.Changes, _ workspace.Progress) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("Update", s.WorkspaceID); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	name := s.ContainerName()
	c := b.containers[name]
	if c == nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting container %s on %s: no such container", name, Host)
	}
	if c.foreign || c.workspaceID != s.WorkspaceID {
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %s on %s is not managed by this provider for workspace %q; refusing to change it", name, Host, s.WorkspaceID)
	}
	if ch.Limits {
		limits := workspace.EffectiveLimits(s)
		c.memoryMB, c.cpus = limits.MemoryMB, limits.CPUs
	}
	var written map[string]string
	if ch.Files {
		hashes, err := workspace.ExpectedHashes(s.Template, s.ConfigFiles)
		if err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("packing config files for %s: %w", name, err)
		}
		b.writeFiles(s, hashes)
		written = hashes
	}
	running := c.status == workspace.StatusRunning
	var err error
	switch {
	case s.Running && (!running || ch.Files):
		err = b.start(c)
	case !s.Running && running:
		b.stop(c)
	}
	obs := b.observe(c, true)
	if s.Running {
		obs.ConfigStamp = b.writtenStamp(c, written)
	}
	return obs, err
}

// Delete removes the container and, unless r.KeepVolumes, our volumes;
// what is gone counts as removed and nothing foreign is touched.
func (b *Backend) Delete(_ context.Context, r workspace.Removal, _ workspace.Progress) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("Delete", r.WorkspaceID); err != nil {
		return err
	}
	name := workspace.ContainerName(r.WorkspaceID)
	if c := b.containers[name]; c != nil && !c.foreign && c.workspaceID == r.WorkspaceID {
		delete(b.containers, name)
	}
	if r.KeepVolumes {
		return nil
	}
	for _, v := range []string{r.ConfigVolume, r.WorkspaceVolume, r.SessionsVolume} {
		if vol := b.volumes[v]; vol != nil && (vol.workspaceID == r.WorkspaceID || slices.Contains(r.AdoptedVolumes, v)) {
			delete(b.volumes, v)
		}
	}
	return nil
}

func cloneSpec(s workspace.WorkspaceSpec) workspace.WorkspaceSpec {
	s.ConfigFiles, s.Env, s.Labels = maps.Clone(s.ConfigFiles), maps.Clone(s.Env), maps.Clone(s.Labels)
	s.SecretEnv = maps.Clone(s.SecretEnv)
	return s
}

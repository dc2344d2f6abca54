// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Isolation summarises the tier's settings in the Docker backend's words,
// from the tier table.
func (b *Backend) Isolation(s workspace.WorkspaceSpec) string {
	t := workspace.TierInfo(s.Tier)
	pid, network := "private", s.Network
	if t.Privileged {
		pid = "host"
	}
	if t.HostNetwork {
		network = workspace.HostNetworkName
	}
	if network == "" {
		network = "default"
	}
	parts := []string{"privileged=" + strconv.FormatBool(t.Privileged), "pid=" + pid, "network=" + network, "readonly_rootfs=" + strconv.FormatBool(t.Sandboxed)}
	if t.Sandboxed {
		parts = append(parts, "tmpfs=/tmp:"+workspace.SandboxTmpfs)
	}
	if t.HostNetwork {
		parts = append(parts, "docker_socket=true")
	}
	return strings.Join(parts, " ")
}

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

// List returns our workspaces matching f, sorted by workspace id.
func (b *Backend) List(_ context.Context, f workspace.ListFilter) ([]workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("List", ""); err != nil {
		return nil, err
	}
	var out []workspace.ObservedWorkspace
	for _, c := range b.containers {
		if c.foreign || !matches(c, f) {
			continue
		}
		o := b.observe(c, false)
		// A list shows no env, limits, isolation or restart count.
		o.Env, o.UserEnv, o.MemoryMB, o.CPUs, o.Isolation, o.RestartCount = nil, nil, 0, 0, "", 0
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkspaceID < out[j].WorkspaceID })
	return out, nil
}

func matches(c *container, f workspace.ListFilter) bool {
	switch {
	case f.Runtime != "" && c.spec.Runtime != f.Runtime,
		f.Tier != 0 && c.spec.Tier != f.Tier,
		f.Status != "" && c.status != f.Status:
		return false
	}
	for k, v := range f.Labels {
		if c.spec.Labels[k] != v {
			return false
		}
	}
	return true
}

// DetachedVolumes lists our volumes that no container uses.
func (b *Backend) DetachedVolumes(context.Context) ([]workspace.DetachedVolume, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("DetachedVolumes", ""); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, c := range b.containers {
		if !c.foreign {
			for _, v := range specVolumes(c.spec) {
				used[v.name] = true
			}
		}
	}
	var out []workspace.DetachedVolume
	for _, name := range slices.Sorted(maps.Keys(b.volumes)) {
		if v := b.volumes[name]; v.workspaceID != "" && !used[name] {
			out = append(out, workspace.DetachedVolume{Name: name, WorkspaceID: v.workspaceID, Role: v.role})
		}
	}
	return out, nil
}

// NameConflict describes what holds the workspace's name when that is not
// this workspace's container, and whether it is ours.
func (b *Backend) NameConflict(_ context.Context, workspaceID string) (string, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("NameConflict", workspaceID); err != nil {
		return "", false, err
	}
	c := b.containers[workspace.ContainerName(workspaceID)]
	switch {
	case c == nil:
		return "", false, nil
	case !c.foreign && c.workspaceID == workspaceID:
		return "", true, nil
	}
	return b.describeConflict(c, workspaceID), !c.foreign, nil
}

func (b *Backend) describeConflict(holder *container, workspaceID string) string {
	switch {
	case !holder.foreign:
		return fmt.Sprintf("container %s already belongs to workspace %q, whose id shares the first %d characters with %q: give the workspace an id with a different prefix", holder.name, holder.workspaceID, workspace.ShortIDLength, workspaceID)
	case holder.platform:
		return fmt.Sprintf("container %s on %s belongs to the Molecule platform, not to this provider: adopt it with the import id \"platform:%s\"", holder.name, Host, workspaceID)
	}
	return fmt.Sprintf("container name %s is taken by a container this provider does not manage (id %.12s): remove or rename it yourself, or give the workspace another id; the provider never touches containers it does not own", holder.name, holder.id)
}

// VolumeExists reports whether a volume of ours for workspaceID exists.
func (b *Backend) VolumeExists(_ context.Context, name, workspaceID string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("VolumeExists", workspaceID); err != nil {
		return false, err
	}
	v := b.volumes[name]
	return v != nil && v.workspaceID == workspaceID, nil
}

// VolumeHoldsConfig reports whether the workspace's config volume holds a
// config.yaml.
func (b *Backend) VolumeHoldsConfig(_ context.Context, workspaceID, _ string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("VolumeHoldsConfig", workspaceID); err != nil {
		return false, err
	}
	v := b.volumes[workspace.ConfigVolumeName(workspaceID)]
	return v != nil && v.files["config.yaml"].hash != "", nil
}

func cloneSpec(s workspace.WorkspaceSpec) workspace.WorkspaceSpec {
	s.ConfigFiles, s.Env, s.Labels = maps.Clone(s.ConfigFiles), maps.Clone(s.Env), maps.Clone(s.Labels)
	s.SecretEnv = maps.Clone(s.SecretEnv)
	return s
}

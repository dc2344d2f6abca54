// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"fmt"
	"maps"
	"slices"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Changes behind Terraform's back, as someone with docker on the host would
// make them. Each panics when the workspace does not exist: a test that
// drifts a workspace it never created is wrong.

func (b *Backend) mustOwn(workspaceID string) *container {
	c := b.own(workspaceID)
	if c == nil {
		panic(fmt.Sprintf("fakebackend: no workspace %q", workspaceID))
	}
	return c
}

// RemoveContainer removes the workspace's container (docker rm -f): its
// volumes stay.
func (b *Backend) RemoveContainer(workspaceID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.containers, b.mustOwn(workspaceID).name)
}

// Stop stops the workspace's container (docker stop).
func (b *Backend) Stop(workspaceID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stop(b.mustOwn(workspaceID))
}

// SetLimits changes the container's limits (docker update).
func (b *Backend) SetLimits(workspaceID string, memoryMB int64, cpus float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.mustOwn(workspaceID)
	c.memoryMB, c.cpus = memoryMB, cpus
}

// WriteConfigFile writes a file in the workspace's /configs (docker cp).
func (b *Backend) WriteConfigFile(workspaceID, relPath, content string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	files := b.configFiles(b.mustOwn(workspaceID))
	f := files[relPath]
	files[relPath] = configFile{hash: workspace.HashContent([]byte(content)), content: content, generation: f.generation + 1}
}

// DeleteConfigFile removes a file from the workspace's /configs.
func (b *Backend) DeleteConfigFile(workspaceID, relPath string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.configFiles(b.mustOwn(workspaceID)), relPath)
}

// PutForeignContainer makes a container that is not ours hold the name the
// workspace would take; platform marks it as made by the Molecule platform.
func (b *Backend) PutForeignContainer(workspaceID string, platform bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	name := workspace.ContainerName(workspaceID)
	b.containers[name] = &container{id: b.newID("f"), name: name, foreign: true, platform: platform, status: workspace.StatusRunning}
}

// Workspace is what the fake holds for one workspace, for assertions.
type Workspace struct {
	Spec        workspace.WorkspaceSpec
	ContainerID string
	Status      string
	MemoryMB    int64
	CPUs        float64
	ImageID     string
	Files       map[string]string // relpath -> hash in its config volume
}

// Workspace returns what the fake holds for a workspace, and whether its
// container exists.
func (b *Backend) Workspace(workspaceID string) (Workspace, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.own(workspaceID)
	if c == nil {
		return Workspace{}, false
	}
	return Workspace{Spec: cloneSpec(c.spec), ContainerID: c.id, Status: c.status, MemoryMB: c.memoryMB, CPUs: c.cpus, ImageID: c.imageID, Files: b.hashes(c)}, true
}

// Volumes lists the names of every volume, sorted.
func (b *Backend) Volumes() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.volumes))
}

// Containers lists the names of every container, foreign ones included, sorted.
func (b *Backend) Containers() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.containers))
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"encoding/json"
	"io"
	"maps"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// A snapshot carries a fake's engine (workspaces, volumes, images, registry,
// networks) from one provider process to the next: Terraform starts the
// provider afresh for every command, so a fake that should outlive one
// (the fleet benchmark's engine-free arm) is saved when the process ends
// and loaded when the next one starts. Crashes and failures set up for a
// test, and the call log, are not carried. Secret values are never
// written, only their keys and versions (what drift is judged on): a loaded
// fake reports them empty in a container's env.

type snapshot struct {
	CPUs       int                                  `json:"cpus"`
	Containers []snapContainer                      `json:"containers"`
	Volumes    []snapVolume                         `json:"volumes"`
	Images     map[string]localImageJSON            `json:"images"`
	Registry   map[string]string                    `json:"registry"`
	RegErrors  map[string]workspace.RegistryProblem `json:"registry_errors,omitempty"`
	Networks   map[string]workspace.ObservedNetwork `json:"networks"`
	NextID     int                                  `json:"next_id"`
	HostPorts  int                                  `json:"host_ports"`
}

type snapContainer struct {
	ID          string                  `json:"id"`
	Name        string                  `json:"name"`
	WorkspaceID string                  `json:"workspace_id"`
	Foreign     bool                    `json:"foreign,omitempty"`
	Platform    bool                    `json:"platform,omitempty"`
	Spec        workspace.WorkspaceSpec `json:"spec"`
	ImageRef    string                  `json:"image_ref"`
	ImageID     string                  `json:"image_id"`
	Isolation   string                  `json:"isolation"`
	MemoryMB    int64                   `json:"memory_mb"`
	CPUs        float64                 `json:"cpus"`
	Status      string                  `json:"status"`
	ExitCode    int                     `json:"exit_code"`
	OOMKilled   bool                    `json:"oom_killed"`
	Restarts    int                     `json:"restarts"`
	HostPort    string                  `json:"host_port"`
}

type snapVolume struct {
	Name        string                    `json:"name"`
	WorkspaceID string                    `json:"workspace_id"`
	Role        string                    `json:"role"`
	Files       map[string]configFileJSON `json:"files"`
}

type configFileJSON struct {
	Hash       string `json:"hash"`
	Content    string `json:"content"`
	Generation int    `json:"generation"`
}

type localImageJSON struct {
	ID     string `json:"id"`
	Digest string `json:"digest"`
}

// Save writes the fake's engine to w.
func (b *Backend) Save(w io.Writer) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	snap := snapshot{
		CPUs: b.cpus, Images: map[string]localImageJSON{}, Registry: maps.Clone(b.registry),
		RegErrors: maps.Clone(b.regErrors), Networks: maps.Clone(b.networks),
		NextID: b.nextID, HostPorts: b.hostPorts,
	}
	for _, c := range b.containers {
		spec := cloneSpec(c.spec)
		for k := range spec.SecretEnv {
			spec.SecretEnv[k] = ""
		}
		spec.PlatformToken = ""
		snap.Containers = append(snap.Containers, snapContainer{
			ID: c.id, Name: c.name, WorkspaceID: c.workspaceID, Foreign: c.foreign, Platform: c.platform,
			Spec: spec, ImageRef: c.imageRef, ImageID: c.imageID, Isolation: c.isolation,
			MemoryMB: c.memoryMB, CPUs: c.cpus, Status: c.status, ExitCode: c.exitCode,
			OOMKilled: c.oomKilled, Restarts: c.restarts, HostPort: c.hostPort,
		})
	}
	for _, v := range b.volumes {
		files := map[string]configFileJSON{}
		for p, f := range v.files {
			files[p] = configFileJSON{Hash: f.hash, Content: f.content, Generation: f.generation}
		}
		snap.Volumes = append(snap.Volumes, snapVolume{Name: v.name, WorkspaceID: v.workspaceID, Role: v.role, Files: files})
	}
	for ref, img := range b.images {
		snap.Images[ref] = localImageJSON{ID: img.id, Digest: img.digest}
	}
	return json.NewEncoder(w).Encode(snap)
}

// Load returns a fake holding the engine Save wrote to r.
func Load(r io.Reader) (*Backend, error) {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return nil, err
	}
	b := New()
	b.cpus, b.nextID, b.hostPorts = snap.CPUs, snap.NextID, snap.HostPorts
	maps.Copy(b.registry, snap.Registry)
	maps.Copy(b.regErrors, snap.RegErrors)
	maps.Copy(b.networks, snap.Networks)
	for ref, img := range snap.Images {
		b.images[ref] = localImage{id: img.ID, digest: img.Digest}
	}
	for _, c := range snap.Containers {
		b.containers[c.Name] = &container{
			id: c.ID, name: c.Name, workspaceID: c.WorkspaceID, foreign: c.Foreign, platform: c.Platform,
			spec: c.Spec, imageRef: c.ImageRef, imageID: c.ImageID, isolation: c.Isolation,
			memoryMB: c.MemoryMB, cpus: c.CPUs, status: c.Status, exitCode: c.ExitCode,
			oomKilled: c.OOMKilled, restarts: c.Restarts, hostPort: c.HostPort,
		}
	}
	for _, v := range snap.Volumes {
		files := map[string]configFile{}
		for p, f := range v.Files {
			files[p] = configFile{hash: f.Hash, content: f.Content, generation: f.Generation}
		}
		b.volumes[v.Name] = &volume{name: v.Name, workspaceID: v.WorkspaceID, role: v.Role, files: files}
	}
	return b, nil
}

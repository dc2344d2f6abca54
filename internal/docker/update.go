// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"bytes"
	"context"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Update changes a workspace in place: limits through Docker's update API,
// config files through the archive API, and the running state. Anything else
// needs replacement, which the resource layer plans.
func (e *Engine) Update(ctx context.Context, s workspace.WorkspaceSpec, ch workspace.Changes, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	name := s.ContainerName()
	info, err := e.cli.ContainerInspect(ctx, name)
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config == nil || !workspace.IsOwned(info.Config.Labels, s.WorkspaceID) {
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %s on %s is not managed by this provider for workspace %q; refusing to change it", name, e.host, s.WorkspaceID)
	}
	id := info.ID
	if ch.Limits {
		limits := workspace.EffectiveLimits(s)
		mem := limits.MemoryMB * 1024 * 1024
		if _, err := e.cli.ContainerUpdate(ctx, id, container.UpdateConfig{Resources: container.Resources{
			Memory: mem, MemorySwap: mem, NanoCPUs: int64(limits.CPUs * 1e9),
		}}); err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("updating limits of %s on %s: %w", name, e.host, err)
		}
		progress.Emit(ctx, "limits updated", map[string]any{"container": name, "memory_mb": limits.MemoryMB, "cpus": limits.CPUs})
	}
	var written *writtenFiles
	if ch.Files {
		archive, err := workspace.BuildConfigArchive(s.Template, s.ConfigFiles)
		if err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("packing config files for %s: %w", name, err)
		}
		if err := e.cli.CopyToContainer(ctx, id, "/configs", bytes.NewReader(archive), container.CopyToContainerOptions{}); err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("rewriting config files in %s:/configs: %w", name, err)
		}
		progress.Emit(ctx, "config files rewritten", map[string]any{"container": name})
		written = filesWritten(id, archive)
	}
	running := info.State != nil && info.State.Running
	switch {
	case s.Running && (!running || ch.Files):
		// A restart makes the runtime read the rewritten files.
		if running {
			timeout := 10
			if err := e.cli.ContainerRestart(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil {
				return workspace.ObservedWorkspace{}, fmt.Errorf("restarting %s on %s: %w", name, e.host, err)
			}
		} else if err := e.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("starting %s on %s: %w", name, e.host, err)
		}
		progress.Emit(ctx, "container started", map[string]any{"container": name})
		// A restart through the API does not raise RestartCount; count from now.
		return e.afterStart(ctx, s, id, info.RestartCount, written, progress)
	case !s.Running && running:
		timeout := 10
		if err := e.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil {
			if e.removedByOthers(ctx, id) {
				return workspace.Missing(s.WorkspaceID), fmt.Errorf(removedByOthersFormat, name, e.host)
			}
			return workspace.ObservedWorkspace{}, fmt.Errorf("stopping %s on %s: %w", name, e.host, err)
		}
		progress.Emit(ctx, "container stopped", map[string]any{"container": name})
		obs, err := e.Inspect(ctx, s.WorkspaceID, true)
		if (err != nil || !obs.Exists || obs.ConfigHashes["config.yaml"] == "") && e.removedByOthers(ctx, id) {
			return workspace.Missing(s.WorkspaceID), fmt.Errorf(removedByOthersFormat, name, e.host)
		}
		return obs, err
	}
	return e.Inspect(ctx, s.WorkspaceID, true)
}

// removedByOthersFormat explains a container gone right after Update stopped
// it (container name, engine).
const removedByOthersFormat = "container %s on %s was removed by someone else right after it stopped: the Molecule platform does that to workspaces whose record is not external (see the guide \"Running next to the Molecule platform\"); the next plan re-creates it"

// removedByOthers reports whether a container is gone or being removed,
// waiting a little for a removal in progress to finish.
func (e *Engine) removedByOthers(ctx context.Context, containerID string) bool {
	for range 20 {
		info, err := e.cli.ContainerInspect(ctx, containerID)
		if cerrdefs.IsNotFound(err) {
			return true
		}
		if err != nil || info.State == nil || (info.State.Status != "removing" && info.State.Status != "dead") {
			return false
		}
		select {
		case <-ctx.Done():
			return true
		case <-time.After(100 * time.Millisecond):
		}
	}
	return true
}

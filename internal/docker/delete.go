// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// removeWithAnonymousVolumes force-removes a container with its anonymous
// volumes (those the engine made for the image's VOLUME paths): the engine
// removes only volumes it created for that container, never named ones, so
// neither ours nor anybody else's named volumes are touched.
var removeWithAnonymousVolumes = container.RemoveOptions{Force: true, RemoveVolumes: true}

// Delete force-removes the container first (a stop would race the restart
// policy) with its anonymous volumes, then our named volumes unless asked to
// keep them. Objects already gone count as removed; objects without our
// ownership label are left alone.
func (e *Engine) Delete(ctx context.Context, r workspace.Removal, progress workspace.Progress) error {
	if err := e.removeContainer(ctx, r); err != nil {
		return err
	}
	progress.Emit(ctx, "container removed", map[string]any{"container": workspace.ContainerName(r.WorkspaceID)})
	if r.KeepVolumes {
		return nil
	}
	var errs []error
	for _, v := range []string{r.ConfigVolume, r.WorkspaceVolume, r.SessionsVolume} {
		if v == "" {
			continue
		}
		if err := e.removeOwnedVolume(ctx, v, r.WorkspaceID, slices.Contains(r.AdoptedVolumes, v)); err != nil {
			errs = append(errs, err)
			continue
		}
		progress.Emit(ctx, "volume removed", map[string]any{"volume": v})
	}
	return errors.Join(errs...)
}

// removeContainer force-removes the workspace's container. The ID recorded in
// state is ours by construction, so it is removed without a look first. With
// no ID (an interrupted create), or when that container is already gone (one
// of ours may hold the name since: recreated outside Terraform and destroyed
// with -refresh=false), the name is inspected and only an owned container is
// removed; otherwise it would keep the volumes busy and leak.
func (e *Engine) removeContainer(ctx context.Context, r workspace.Removal) error {
	name := workspace.ContainerName(r.WorkspaceID)
	if r.ContainerID != "" {
		err := e.cli.ContainerRemove(ctx, r.ContainerID, removeWithAnonymousVolumes)
		switch {
		case err == nil:
			return nil
		case !cerrdefs.IsNotFound(err):
			return fmt.Errorf("removing container %s on %s: %w", name, e.host, err)
		}
	}
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config == nil || !workspace.IsOwned(info.Config.Labels, r.WorkspaceID) {
		return nil // not ours: never touched
	}
	if err := e.cli.ContainerRemove(ctx, info.ID, removeWithAnonymousVolumes); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing container %s on %s: %w", name, e.host, err)
	}
	return nil
}

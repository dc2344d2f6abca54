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
	recordedRemoved, err := e.removeContainer(ctx, r)
	if err != nil {
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
		// The recorded container, made by our create, mounted the config
		// and workspace volumes until a moment ago, and a mounted volume
		// cannot be swapped: they are the ones that create made or checked
		// as ours, so they need no look first. (An adopted container was
		// made by the platform, and the sessions volume is newer than some
		// workspaces: those are looked at as before.)
		mounted := recordedRemoved && len(r.AdoptedVolumes) == 0 && v != r.SessionsVolume
		known := mounted || slices.Contains(r.AdoptedVolumes, v)
		if err := e.removeOwnedVolume(ctx, v, r.WorkspaceID, known); err != nil {
			errs = append(errs, err)
			continue
		}
		progress.Emit(ctx, "volume removed", map[string]any{"volume": v})
	}
	return errors.Join(errs...)
}

// removeContainer force-removes the workspace's container; recorded tells
// whether that was the container whose ID state records. That ID is ours by
// construction, so it is removed without a look first. With no ID (an
// interrupted create), or when that container is already gone (one of ours
// may hold the name since: recreated outside Terraform and destroyed with
// -refresh=false), the name is inspected and only an owned container is
// removed; otherwise it would keep the volumes busy and leak.
func (e *Engine) removeContainer(ctx context.Context, r workspace.Removal) (recorded bool, err error) {
	name := workspace.ContainerName(r.WorkspaceID)
	if r.ContainerID != "" {
		err := e.cli.ContainerRemove(ctx, r.ContainerID, removeWithAnonymousVolumes)
		switch {
		case err == nil:
			return true, nil
		case !cerrdefs.IsNotFound(err):
			return false, fmt.Errorf("removing container %s on %s: %w", name, e.host, err)
		}
	}
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config == nil || !workspace.IsOwned(info.Config.Labels, r.WorkspaceID) {
		return false, nil // not ours: never touched
	}
	if err := e.cli.ContainerRemove(ctx, info.ID, removeWithAnonymousVolumes); err != nil && !cerrdefs.IsNotFound(err) {
		return false, fmt.Errorf("removing container %s on %s: %w", name, e.host, err)
	}
	return false, nil
}

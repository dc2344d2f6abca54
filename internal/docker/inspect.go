// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Inspect observes one workspace: one container inspect, plus (withFiles) one
// archive read of /configs, which works on stopped containers too and needs no
// helper image. A missing container is not an error: Status is "missing".
func (e *Engine) Inspect(ctx context.Context, workspaceID string, withFiles bool) (workspace.ObservedWorkspace, error) {
	name := workspace.ContainerName(workspaceID)
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return workspace.Missing(workspaceID), nil
	}
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	obs := observe(info, workspaceID)
	if !obs.Owned {
		// Someone else's container holds the name: for us the workspace is gone.
		return workspace.Missing(workspaceID), nil
	}
	if withFiles {
		if obs.ConfigHashes, err = e.readConfigHashes(ctx, info.ID); err != nil {
			return workspace.ObservedWorkspace{}, fmt.Errorf("reading /configs of %s on %s: %w", name, e.host, err)
		}
		if len(obs.ConfigHashes) == 0 {
			// Nothing read: the container may have been removed meanwhile
			// (the Molecule platform does so to stopped workspaces it
			// considers its own); then it is missing, not empty.
			if _, err := e.cli.ContainerInspect(ctx, info.ID); cerrdefs.IsNotFound(err) {
				return workspace.Missing(workspaceID), nil
			}
		}
	}
	return obs, nil
}

// readConfigHashes hashes every file under the container's /configs.
func (e *Engine) readConfigHashes(ctx context.Context, containerID string) (map[string]string, error) {
	rc, _, err := e.cli.CopyFromContainer(ctx, containerID, "/configs")
	if cerrdefs.IsNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return workspace.HashConfigArchive(rc, "/configs")
}

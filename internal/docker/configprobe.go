// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// RoleConfigProbe labels the short-lived container of VolumeHoldsConfig.
const RoleConfigProbe = "config-probe"

// VolumeHoldsConfig reports whether a config volume holds a non-empty regular
// config.yaml. The volume is mounted into a container created from the
// workspace's own image and never started, and the archive API is asked: no
// helper image is needed (an engine may have none to pull) and nothing runs.
// The container is removed before returning.
func (e *Engine) VolumeHoldsConfig(ctx context.Context, workspaceID, image string) (bool, error) {
	volume := workspace.ConfigVolumeName(workspaceID)
	created, err := e.cli.ContainerCreate(ctx,
		&container.Config{Image: image, Labels: workspace.OwnershipLabels(workspaceID, RoleConfigProbe)},
		&container.HostConfig{NetworkMode: "none", Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: volume, Target: "/configs"}}},
		nil, nil, "")
	if err != nil {
		return false, fmt.Errorf("creating a container to look into volume %s on %s: %w", volume, e.host, err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_ = e.cli.ContainerRemove(rctx, created.ID, removeWithAnonymousVolumes)
	}()
	stat, err := e.cli.ContainerStatPath(ctx, created.ID, "/configs/config.yaml")
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking for config.yaml in volume %s on %s: %w", volume, e.host, err)
	}
	return stat.Mode.IsRegular() && stat.Size > 0, nil
}

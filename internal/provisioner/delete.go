package provisioner

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// Removal names what Delete should remove.
type Removal struct {
	WorkspaceID     string
	ContainerID     string // from state; the name is used when empty
	ConfigVolume    string
	WorkspaceVolume string // "" when /workspace is a host directory: never removed
	KeepVolumes     bool
}

// Delete force-removes the container first (a stop would race the restart
// policy), then our volumes unless asked to keep them. Objects already gone
// count as removed; objects without our ownership label are left alone.
func (e *Engine) Delete(ctx context.Context, r Removal, progress Progress) error {
	name := ContainerName(r.WorkspaceID)
	info, err := e.cli.ContainerInspect(ctx, name)
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	case info.Config != nil && IsOwned(info.Config.Labels, r.WorkspaceID):
		if err := e.cli.ContainerRemove(ctx, info.ID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("removing container %s on %s: %w", name, e.host, err)
		}
		progress.emit(ctx, "container removed", map[string]any{"container": name})
	}
	if r.KeepVolumes {
		return nil
	}
	var errs []error
	for _, v := range []string{r.ConfigVolume, r.WorkspaceVolume} {
		if v == "" {
			continue
		}
		if err := e.removeOwnedVolume(ctx, v, r.WorkspaceID); err != nil {
			errs = append(errs, err)
			continue
		}
		progress.emit(ctx, "volume removed", map[string]any{"volume": v})
	}
	return errors.Join(errs...)
}

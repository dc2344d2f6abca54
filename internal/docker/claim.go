// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"sync"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// namedVolume is one of a workspace's named volumes and its ownership role.
type namedVolume struct{ name, role string }

// volumesOf lists the named volumes a workspace mounts, config volume first.
func volumesOf(s workspace.WorkspaceSpec) []namedVolume {
	volumes := []namedVolume{{s.ConfigVolume(), workspace.RoleConfigVolume}}
	if v := s.WorkspaceVolume(); v != "" {
		volumes = append(volumes, namedVolume{v, workspace.RoleWorkspaceVolume})
	}
	if v := s.SessionsVolume(); v != "" {
		volumes = append(volumes, namedVolume{v, workspace.RoleSessionsVolume})
	}
	return volumes
}

// claimVolumes makes the workspace's volumes (adopted ones are used as they
// are), all at once: one round of engine latency instead of one per volume.
// Every volume made here is pushed onto undo, whichever failed. The
// container name is not looked at first: the container create itself
// refuses a taken name, atomically (see Create).
func (e *Engine) claimVolumes(ctx context.Context, s workspace.WorkspaceSpec, undo *undoStack, progress workspace.Progress) error {
	volumes := volumesOf(s)
	errs := make([]error, len(volumes))
	created := make([]bool, len(volumes))
	var wg sync.WaitGroup
	for i, v := range volumes {
		if s.IsAdoptedVolume(v.name) {
			continue
		}
		wg.Go(func() { created[i], errs[i] = e.ensureVolume(ctx, v.name, s.WorkspaceID, v.role) })
	}
	wg.Wait()
	for i, v := range volumes {
		if created[i] {
			undo.push(func(c context.Context) error { return e.removeVolumeIfOwned(c, v.name, s.WorkspaceID) })
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i, v := range volumes {
		fields := map[string]any{"volume": v.name, "created": created[i]}
		if s.IsAdoptedVolume(v.name) {
			fields = map[string]any{"volume": v.name, "adopted": true}
		}
		progress.Emit(ctx, "volume ready", fields)
	}
	return nil
}

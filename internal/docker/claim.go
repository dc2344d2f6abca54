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

// claimNameAndVolumes checks that the container name is free and makes the
// workspace's volumes (adopted ones are used as they are). The steps are
// independent, so they are asked for at once: one round of engine latency
// instead of one per step, which is most of a fleet's create on a busy
// engine. Every volume made here is pushed onto undo, whichever step failed;
// the error reported is the first in the order name, then volumes.
func (e *Engine) claimNameAndVolumes(ctx context.Context, s workspace.WorkspaceSpec, undo *undoStack, progress workspace.Progress) error {
	volumes := volumesOf(s)
	errs := make([]error, 1+len(volumes))
	created := make([]bool, len(volumes))
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = e.checkNameFree(ctx, s.WorkspaceID) })
	for i, v := range volumes {
		if s.IsAdoptedVolume(v.name) {
			continue
		}
		wg.Go(func() { created[i], errs[1+i] = e.ensureVolume(ctx, v.name, s.WorkspaceID, v.role) })
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

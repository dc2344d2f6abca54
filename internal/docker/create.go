// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// cleanupTimeout bounds the removal of a half-made workspace, which runs on a
// fresh context so that an interrupted apply still cleans up.
const cleanupTimeout = 30 * time.Second

// Create makes the volumes and the container, copies the config files in
// before the container starts, starts it and (optionally) waits until it
// serves. A failure before the container starts removes everything this call
// made. A failure while waiting returns the observation alongside the error,
// with the container stopped, so the caller can record it (tainted).
func (e *Engine) Create(ctx context.Context, s workspace.WorkspaceSpec, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	archive, err := workspace.BuildConfigArchive(s.Template, s.ConfigFiles)
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("packing config files for %s: %w", s.ContainerName(), err)
	}
	ref, err := workspace.ParseImageRef(s.Image)
	if err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	// Pulled (when the policy says so) before anything of the workspace
	// exists: a registry failure leaves nothing behind.
	if err := e.EnsureImage(ctx, ImagePlan{Ref: ref, Policy: s.ImagePull, Digest: s.ImageDigest}, progress); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	if !s.HostNetwork() {
		if err := e.CheckNetwork(ctx, s.Network); err != nil {
			return workspace.ObservedWorkspace{}, err
		}
	}
	undo := &undoStack{}
	var containerID string
	// fail removes what this call made. When that cleanup fails too (the
	// engine went away), the partial observation is returned so the caller
	// records it and the next apply replaces it: nothing is orphaned.
	fail := func(err error) (workspace.ObservedWorkspace, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if cerr := undo.run(cctx); cerr != nil {
			return partialObservation(s, containerID), fmt.Errorf("%w; cleaning up also failed, so the workspace is kept in state for the next apply to replace: %v", err, cerr)
		}
		return workspace.ObservedWorkspace{}, err
	}

	if err := e.claimVolumes(ctx, s, undo, progress); err != nil {
		return fail(err)
	}

	req := BuildContainerRequest(s)
	resp, err := e.cli.ContainerCreate(ctx, req.Config, req.HostConfig, req.Networking, nil, req.Name)
	if err != nil {
		switch {
		case cerrdefs.IsNotFound(err):
			return fail(fmt.Errorf("creating container %s: %w", req.Name, &workspace.MissingImageError{Ref: s.Image}))
		case cerrdefs.IsConflict(err):
			// The name is taken (the plan checked it, but anything may
			// have started since): say by whom.
			if nerr := e.checkNameFree(ctx, s.WorkspaceID); nerr != nil {
				return fail(nerr)
			}
		default:
			// No answer (engine gone, context cancelled): the container may
			// exist all the same.
			undo.push(func(c context.Context) error { return e.removeContainerIfOwned(c, req.Name, s.WorkspaceID) })
		}
		return fail(fmt.Errorf("creating container %s on %s: %w", req.Name, e.host, err))
	}
	containerID = resp.ID
	undo.push(func(c context.Context) error {
		return e.cli.ContainerRemove(c, resp.ID, removeWithAnonymousVolumes)
	})
	progress.Emit(ctx, "container created", map[string]any{"container": req.Name, "id": resp.ID[:12]})

	if err := e.cli.CopyToContainer(ctx, resp.ID, "/configs", bytes.NewReader(archive), container.CopyToContainerOptions{}); err != nil {
		return fail(fmt.Errorf("copying config files into %s:/configs: %w", req.Name, err))
	}
	progress.Emit(ctx, "config files copied", map[string]any{"container": req.Name, "bytes": len(archive)})
	written := filesWritten(resp.ID, archive)
	if s.PlatformToken != "" {
		if err := e.writeAuthToken(ctx, resp.ID, s.PlatformToken); err != nil {
			return fail(fmt.Errorf("writing the platform token into %s:/configs: %w", req.Name, err))
		}
		progress.Emit(ctx, "platform token written", map[string]any{"container": req.Name, "path": "/configs/" + workspace.AuthTokenFile})
	}

	if !s.Running {
		obs, err := e.Inspect(ctx, s.WorkspaceID, true)
		obs, err = keepRecord(s, resp.ID, obs, err)
		return e.withDigest(ctx, ref, obs, err)
	}
	if err := e.cli.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return fail(fmt.Errorf("starting container %s on %s: %w", req.Name, e.host, err))
	}
	progress.Emit(ctx, "container started", map[string]any{"container": req.Name})
	// From here the container is recorded even if it never becomes ready: it
	// is stopped and returned so that Terraform taints it.
	obs, err := e.afterStart(ctx, s, resp.ID, 0, written, progress)
	obs, err = keepRecord(s, resp.ID, obs, err)
	return e.withDigest(ctx, ref, obs, err)
}

// withDigest adds the registry digest of the image just used (one cached
// image lookup for a whole fleet on one image).
func (e *Engine) withDigest(ctx context.Context, ref workspace.ImageRef, obs workspace.ObservedWorkspace, err error) (workspace.ObservedWorkspace, error) {
	if !obs.Exists {
		return obs, err
	}
	if ref.Pinned() {
		obs.ImageDigest, obs.ImageDigestKnown = ref.Digest(), true
	} else if img, lerr := e.LocalImage(ctx, ref.EngineRef()); lerr == nil && img.ID == obs.ImageID {
		obs.ImageDigest, obs.ImageDigestKnown = workspace.DigestFromRepoDigests(ref, img.RepoDigests), true
	}
	return obs, err
}

// partialObservation records a workspace whose create failed half-way with
// objects that may exist (a container, volumes) and could not be removed.
// Status is StatusUnknown: the resource keeps such a record in state even
// when no container is found, so the next apply replaces it (Delete removes
// whatever of ours carries the names) and destroy removes it.
func partialObservation(s workspace.WorkspaceSpec, containerID string) workspace.ObservedWorkspace {
	partial := workspace.Missing(s.WorkspaceID)
	partial.Exists, partial.ContainerID, partial.Status = true, containerID, workspace.StatusUnknown
	partial.ConfigVolume, partial.WorkspaceVolume, partial.SessionsVolume = s.ConfigVolume(), s.WorkspaceVolume(), s.SessionsVolume()
	return partial
}

// keepRecord makes sure that an error after the container was created comes
// with an observation the caller records (tainted), even when the engine
// could not be asked for one: otherwise the container would be orphaned and
// block the next create of the same workspace.
func keepRecord(s workspace.WorkspaceSpec, containerID string, obs workspace.ObservedWorkspace, err error) (workspace.ObservedWorkspace, error) {
	if err != nil && !obs.Exists {
		obs = partialObservation(s, containerID)
	}
	return obs, err
}

// removeContainerIfOwned force-removes a container by name when it carries
// our label for workspaceID: the cleanup of a create whose answer was lost.
func (e *Engine) removeContainerIfOwned(ctx context.Context, name, workspaceID string) error {
	info, err := e.cli.ContainerInspect(ctx, name)
	if err != nil {
		return err // NotFound counts as removed in undoStack.run
	}
	if info.Config == nil || !workspace.IsOwned(info.Config.Labels, workspaceID) {
		return nil
	}
	return e.cli.ContainerRemove(ctx, info.ID, removeWithAnonymousVolumes)
}

// afterStart waits for readiness when asked, then inspects; the files are
// read back unless written says what was just copied in.
func (e *Engine) afterStart(ctx context.Context, s workspace.WorkspaceSpec, id string, restartsBefore int, written *writtenFiles, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	if !s.WaitForReady {
		return e.observeWritten(ctx, s.WorkspaceID, written)
	}
	obs, err := e.waitReady(ctx, s, id, restartsBefore, progress)
	if err != nil {
		obs, ierr := e.Inspect(context.WithoutCancel(ctx), s.WorkspaceID, false)
		if ierr != nil {
			obs = workspace.Missing(s.WorkspaceID)
		}
		return obs, err
	}
	return e.withFiles(ctx, obs, written)
}

// checkNameFree fails when the container name is already taken, saying by
// whom: the cause of a create the engine refused (the plan asks
// NameConflict). A container of ours for the same workspace id is not
// reused or removed either: it may belong to another Terraform state, and
// import is the way to adopt it.
func (e *Engine) checkNameFree(ctx context.Context, workspaceID string) error {
	name := workspace.ContainerName(workspaceID)
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config != nil && workspace.IsOwned(info.Config.Labels, workspaceID) {
		return fmt.Errorf("container %s for workspace %q already exists on %s: it is managed by another Terraform state or was left by an interrupted apply; adopt it with terraform import, or remove it (scripts/cleanup-rogue-workspaces.sh) and apply again", name, workspaceID, e.host)
	}
	return errors.New(describeConflict(name, workspaceID, info.ID, info.Config))
}

// undoStack runs cleanup steps in reverse order.
type undoStack struct{ steps []func(context.Context) error }

func (u *undoStack) push(step func(context.Context) error) { u.steps = append(u.steps, step) }

func (u *undoStack) run(ctx context.Context) error {
	var errs []error
	for i := len(u.steps) - 1; i >= 0; i-- {
		if err := u.steps[i](ctx); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

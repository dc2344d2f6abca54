// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ensureVolume makes a named volume exist with our labels. It reuses a volume
// of ours for the same workspace (say, after its container was removed outside
// Terraform) and refuses one that anybody else owns. created is also true
// when the create request failed: the volume may exist all the same.
func (e *Engine) ensureVolume(ctx context.Context, name, workspaceID, role string) (created bool, err error) {
	existing, err := e.cli.VolumeInspect(ctx, name)
	switch {
	case err == nil:
		if !workspace.IsOwned(existing.Labels, workspaceID) {
			return false, &workspace.VolumeTakenError{Volume: name, Host: e.host, WorkspaceID: workspaceID}
		}
		return false, nil
	case !cerrdefs.IsNotFound(err):
		return false, fmt.Errorf("inspecting volume %s on %s: %w", name, e.host, err)
	}
	if _, err := e.cli.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: workspace.OwnershipLabels(workspaceID, role)}); err != nil {
		return true, fmt.Errorf("creating volume %s on %s: %w", name, e.host, err)
	}
	return true, nil
}

// removeVolumeIfOwned removes a volume made by a failed create, if it is ours
// for workspaceID. Docker refuses to remove a volume in use, force or not.
func (e *Engine) removeVolumeIfOwned(ctx context.Context, name, workspaceID string) error {
	v, err := e.cli.VolumeInspect(ctx, name)
	if err != nil {
		return err // NotFound counts as removed in undoStack.run
	}
	if !workspace.IsOwned(v.Labels, workspaceID) {
		return nil
	}
	return e.cli.VolumeRemove(ctx, name, true)
}

// VolumeExists reports whether a volume of ours for workspaceID exists.
func (e *Engine) VolumeExists(ctx context.Context, name, workspaceID string) (bool, error) {
	v, err := e.cli.VolumeInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspecting volume %s on %s: %w", name, e.host, err)
	}
	return workspace.IsOwned(v.Labels, workspaceID), nil
}

// removeOwnedVolume removes a volume if it is ours: known says so without a
// look (adopted, or mounted by the container just removed), else its label
// must. A volume still used by another container is retried with backoff
// for a bounded time, then reported.
func (e *Engine) removeOwnedVolume(ctx context.Context, name, workspaceID string, known bool) error {
	if !known {
		v, err := e.cli.VolumeInspect(ctx, name)
		if cerrdefs.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("inspecting volume %s on %s: %w", name, e.host, err)
		}
		if !workspace.IsOwned(v.Labels, workspaceID) {
			return nil // not ours: leave it alone
		}
	}
	var lastErr error
	err := retryWithBackoff(ctx, 10*time.Second, func() (bool, error) {
		lastErr = e.cli.VolumeRemove(ctx, name, false)
		switch {
		case lastErr == nil, cerrdefs.IsNotFound(lastErr):
			return true, nil
		case cerrdefs.IsConflict(lastErr):
			return false, nil // in use: the container may still be going away
		default:
			return true, lastErr
		}
	})
	if err != nil {
		return fmt.Errorf("removing volume %s on %s: %w", name, e.host, err)
	}
	if lastErr != nil && !cerrdefs.IsNotFound(lastErr) {
		return fmt.Errorf("volume %s on %s is still in use after 10s by %s, which this provider leaves alone; remove that container (or its mount of the volume), then apply or destroy again: %w", name, e.host, e.volumeUsers(ctx, name), lastErr)
	}
	return nil
}

// volumeUsers names the containers that mount a volume, for error messages.
func (e *Engine) volumeUsers(ctx context.Context, name string) string {
	list, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("volume", name))})
	if err != nil || len(list) == 0 {
		return "another container"
	}
	var users []string
	for _, c := range list {
		who := strings.TrimPrefix(strings.Join(c.Names, ","), "/")
		if !workspace.IsOwned(c.Labels, "") {
			who += " (not managed by this provider)"
		}
		users = append(users, fmt.Sprintf("container %s %.12s", who, c.ID))
	}
	return strings.Join(users, ", ")
}

// retryWithBackoff calls try until it reports done, the budget runs out
// (returning nil so the caller inspects its own last result) or ctx ends.
func retryWithBackoff(ctx context.Context, budget time.Duration, try func() (done bool, err error)) error {
	deadline := time.Now().Add(budget)
	delay := 50 * time.Millisecond
	for {
		done, err := try()
		if done || err != nil {
			return err
		}
		if time.Now().Add(delay).After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

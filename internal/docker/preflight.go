// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// LocalImage is an image present on the engine.
type LocalImage struct {
	ID          string
	RepoDigests []string // repo@sha256:... for each registry it came from
}

// ImageID returns the local image ID for a reference. The answer is cached
// for the provider run, so a plan of a fleet on one image asks the engine once.
func (e *Engine) ImageID(ctx context.Context, ref string) (string, error) {
	img, err := e.LocalImage(ctx, ref)
	return img.ID, err
}

// LocalImage looks an image up on the engine (cached like ImageID); a
// missing image is a *MissingImageError.
func (e *Engine) LocalImage(ctx context.Context, ref string) (LocalImage, error) {
	if v, ok := e.imageCache.Load(ref); ok {
		l := v.(imageLookup)
		return l.image, l.err
	}
	// Not shared with concurrent callers (unlike networks): a lookup begun
	// before a pull of ref finished would answer "missing" to a caller that
	// came after it.
	info, err := e.cli.ImageInspect(ctx, ref)
	l := imageLookup{image: LocalImage{ID: info.ID, RepoDigests: info.RepoDigests}}
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			l.err = &workspace.MissingImageError{Ref: ref}
			if _, pulling := e.pulls.Load(ref); pulling {
				// Asked while a pull ran (or after it): the answer may
				// predate the pull, and cached it would make a concurrent
				// create of the same image fail as missing.
				return l.image, l.err
			}
		} else {
			l.err = fmt.Errorf("inspecting image %q on %s: %w", ref, e.host, err)
			return LocalImage{}, l.err // transient: do not cache
		}
	}
	e.imageCache.Store(ref, l)
	return l.image, l.err
}

// LocalDigest is the registry digest of a local image for ref's repository
// ("" for an image built here or loaded without one).
func (e *Engine) LocalDigest(ctx context.Context, ref workspace.ImageRef) (id, digest string, err error) {
	img, err := e.LocalImage(ctx, ref.EngineRef())
	if err != nil {
		return "", "", err
	}
	return img.ID, workspace.DigestFromRepoDigests(ref, img.RepoDigests), nil
}

// ForgetImage drops a cached image lookup (after a rebuild in tests).
func (e *Engine) ForgetImage(ref string) { e.imageCache.Delete(ref) }

// CheckNetwork confirms a network exists; cached for the provider run.
func (e *Engine) CheckNetwork(ctx context.Context, name string) error {
	if _, ok := e.networkCache.Load(name); ok {
		return nil // seen before in this run
	}
	_, err := shared(&e.lookups, "network\x00"+name, func() (network.Inspect, error) {
		return e.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	})
	if err == nil {
		e.networkCache.Store(name, true)
		return nil
	}
	if cerrdefs.IsNotFound(err) {
		return &workspace.MissingNetworkError{Name: name, Host: e.host}
	}
	return fmt.Errorf("inspecting network %q on %s: %w", name, e.host, err)
}

// NameConflict reports whether the workspace's container name is taken by a
// container that is not this workspace's, and whether that holder is ours
// (another workspace id with the same prefix). The message is "" when the
// name is free or the holder is ours for the same workspace id.
func (e *Engine) NameConflict(ctx context.Context, workspaceID string) (msg string, ownedByUs bool, err error) {
	name := workspace.ContainerName(workspaceID)
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config != nil && workspace.IsOwned(info.Config.Labels, workspaceID) {
		return "", true, nil
	}
	owned := info.Config != nil && workspace.IsOwned(info.Config.Labels, "")
	return describeConflict(name, workspaceID, info.ID, info.Config), owned, nil
}

// describeConflict explains why a name held by another container blocks a workspace.
func describeConflict(name, workspaceID, holderID string, holder *container.Config) string {
	labels := map[string]string{}
	if holder != nil {
		labels = holder.Labels
	}
	if workspace.IsOwned(labels, "") {
		return fmt.Sprintf("container %s already belongs to workspace %q, whose id shares the first %d characters with %q: Docker names come from that prefix, so give the workspace an id with a different prefix", name, labels[workspace.LabelWorkspaceID], workspace.ShortIDLength, workspaceID)
	}
	if workspace.IsPlatformManaged(labels) {
		return (&PlatformContainerError{Name: name, WorkspaceID: workspaceID, Host: "this engine"}).Error()
	}
	return fmt.Sprintf("container name %s is taken by a container this provider does not manage (id %.12s): remove or rename it yourself, or give the workspace another id; the provider never touches containers it does not own", name, holderID)
}

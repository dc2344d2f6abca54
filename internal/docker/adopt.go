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

// PlatformContainerError says that the workspace's container is the
// platform's, and how to adopt it.
type PlatformContainerError struct{ Name, WorkspaceID, Host string }

func (e *PlatformContainerError) Error() string {
	return fmt.Sprintf("container %s on %s belongs to the Molecule platform (label %s=true), not to this provider: to move it under Terraform, adopt it with the import id \"platform:%s\" (terraform import <address> platform:%s, or an import block), which switches its platform record to external and recreates the container with this provider's labels on the same volumes", e.Name, e.Host, workspace.LabelPlatformManaged, e.WorkspaceID, e.WorkspaceID)
}

// PlatformOwned returns a *PlatformContainerError when the workspace's
// container name is held by a platform-made container, else nil.
func (e *Engine) PlatformOwned(ctx context.Context, workspaceID string) error {
	info, err := e.cli.ContainerInspect(ctx, workspace.ContainerName(workspaceID))
	if err != nil {
		return nil //nolint:nilerr // no container to blame: the caller reports "not found"
	}
	if info.Config == nil || !workspace.IsPlatformManaged(info.Config.Labels) || workspace.IsOwned(info.Config.Labels, "") {
		return nil
	}
	return &PlatformContainerError{Name: workspace.ContainerName(workspaceID), WorkspaceID: workspaceID, Host: e.host}
}

// InspectPlatformContainer observes a platform-made workspace for adoption:
// the container, its user env (its environment less the image's and the
// injected keys), its tier as its isolation shows it, and the hashes of
// /configs. Missing when no container holds the name; an error when it is
// not the platform's.
func (e *Engine) InspectPlatformContainer(ctx context.Context, workspaceID string) (workspace.ObservedWorkspace, error) {
	name := workspace.ContainerName(workspaceID)
	info, err := e.cli.ContainerInspect(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return workspace.Missing(workspaceID), nil
	}
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting container %s on %s: %w", name, e.host, err)
	}
	if info.Config == nil || workspace.IsOwned(info.Config.Labels, "") {
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %s on %s is already managed by this provider: import it with its plain id %q, without the platform: prefix", name, e.host, workspaceID)
	}
	if !workspace.IsPlatformManaged(info.Config.Labels) {
		return workspace.ObservedWorkspace{}, errors.New(describeConflict(name, workspaceID, info.ID, info.Config) + "; only containers labelled " + workspace.LabelPlatformManaged + "=true can be adopted")
	}
	obs := observe(info, workspaceID)
	obs.Tier = inferTier(info.HostConfig)
	obs.UserEnv = map[string]string{}
	imageEnv := map[string]string{}
	if img, err := e.cli.ImageInspect(ctx, info.Image); err == nil && img.Config != nil {
		imageEnv = workspace.ParseEnv(img.Config.Env)
	}
	for k, v := range obs.Env {
		if iv, fromImage := imageEnv[k]; (fromImage && iv == v) || workspace.IsInjectedEnvKey(k) {
			continue
		}
		obs.UserEnv[k] = v
	}
	if obs.ConfigVolume != "" && obs.ConfigVolume != workspace.ConfigVolumeName(workspaceID) {
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %s on %s mounts volume %s at /configs, not %s: it cannot be adopted under this provider's names", name, e.host, obs.ConfigVolume, workspace.ConfigVolumeName(workspaceID))
	}
	if obs.SessionsVolume != "" && obs.SessionsVolume != workspace.SessionsVolumeName(workspaceID) {
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %s on %s mounts volume %s at %s, not %s: it cannot be adopted under this provider's names", name, e.host, obs.SessionsVolume, workspace.ClaudeSessionsPath, workspace.SessionsVolumeName(workspaceID))
	}
	if obs.ConfigHashes, err = e.readConfigHashes(ctx, info.ID); err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("reading /configs of %s on %s: %w", name, e.host, err)
	}
	return obs, nil
}

// inferTier reads a platform-made container's tier from its isolation,
// through the tier table: the tier with the most host access whose marks
// the container shows (host network, else privileged, else a read-only
// root filesystem), else the default tier.
func inferTier(hc *container.HostConfig) int {
	if hc == nil {
		return workspace.DefaultTier
	}
	for _, t := range slices.Backward(workspace.Tiers()) {
		switch {
		case t.HostNetwork && hc.NetworkMode.IsHost(),
			t.Privileged && !t.HostNetwork && hc.Privileged,
			t.Sandboxed && hc.ReadonlyRootfs:
			return t.Number
		}
	}
	return workspace.DefaultTier
}

// Adopt replaces the platform-made container platformContainerID with one of
// ours built from s, on the same volumes (s.AdoptedVolumes), so the data in
// /configs and /workspace survives. The caller has switched the platform's
// record to external first, so the platform does not bring its container
// back. The old container is checked to be the platform's and to hold the
// workspace's name before it is removed.
func (e *Engine) Adopt(ctx context.Context, s workspace.WorkspaceSpec, platformContainerID string, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	name := s.ContainerName()
	// What ours needs is checked before the platform's container goes: a
	// failure after its removal would leave the workspace with none.
	if err := e.CheckAdoptable(ctx, s); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	info, err := e.cli.ContainerInspect(ctx, platformContainerID)
	switch {
	case cerrdefs.IsNotFound(err):
		// Gone already (removed by hand, or an earlier attempt got this far).
	case err != nil:
		return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting container %.12s on %s: %w", platformContainerID, e.host, err)
	case info.Config == nil || !workspace.IsPlatformManaged(info.Config.Labels) || info.Name != "/"+name:
		return workspace.ObservedWorkspace{}, fmt.Errorf("container %.12s on %s is not the platform's %s any more; refusing to remove it", platformContainerID, e.host, name)
	default:
		if err := e.cli.ContainerRemove(ctx, info.ID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return workspace.ObservedWorkspace{}, fmt.Errorf("removing the platform's container %s on %s: %w", name, e.host, err)
		}
		progress.Emit(ctx, "platform container removed", map[string]any{"container": name, "id": platformContainerID[:min(12, len(platformContainerID))]})
	}
	return e.Create(ctx, s, progress)
}

// CheckAdoptedVolumes confirms that every adopted volume exists.
func (e *Engine) CheckAdoptedVolumes(ctx context.Context, volumes []string) error {
	for _, v := range volumes {
		if _, err := e.cli.VolumeInspect(ctx, v); err != nil {
			return fmt.Errorf("adopted volume %s on %s: %w", v, e.host, err)
		}
	}
	return nil
}

// CheckAdoptable confirms that the container replacing a platform-made one
// can be created: its adopted volumes, its network and its image exist.
func (e *Engine) CheckAdoptable(ctx context.Context, s workspace.WorkspaceSpec) error {
	if err := e.CheckAdoptedVolumes(ctx, s.AdoptedVolumes); err != nil {
		return err
	}
	if s.Network != "" && !workspace.TierUsesHostNetwork(s.Tier) {
		if err := e.CheckNetwork(ctx, s.Network); err != nil {
			return err
		}
	}
	if _, err := e.ImageID(ctx, s.Image); err != nil {
		return fmt.Errorf("image %s for the adopted workspace on %s: %w", s.Image, e.host, err)
	}
	return nil
}

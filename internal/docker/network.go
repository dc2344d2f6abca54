// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// CreateNetwork makes a bridge network carrying our ownership label.
func (e *Engine) CreateNetwork(ctx context.Context, s workspace.NetworkSpec) (workspace.ObservedNetwork, error) {
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range workspace.OwnershipLabels("", workspace.RoleNetwork) {
		labels[k] = v
	}
	if _, err := e.cli.NetworkCreate(ctx, s.Name, network.CreateOptions{Driver: "bridge", Internal: s.Internal, Labels: labels}); err != nil {
		if cerrdefs.IsConflict(err) {
			return workspace.ObservedNetwork{}, fmt.Errorf("network %q already exists on %s: import it (terraform import) or choose another name", s.Name, e.host)
		}
		return workspace.ObservedNetwork{}, fmt.Errorf("creating network %q on %s: %w", s.Name, e.host, err)
	}
	e.networkCache.Delete(s.Name)
	return e.InspectNetwork(ctx, s.Name)
}

// InspectNetwork observes a network by name; a missing one is not an error.
func (e *Engine) InspectNetwork(ctx context.Context, name string) (workspace.ObservedNetwork, error) {
	n, err := e.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return workspace.ObservedNetwork{Name: name}, nil
	}
	if err != nil {
		return workspace.ObservedNetwork{}, fmt.Errorf("inspecting network %q on %s: %w", name, e.host, err)
	}
	return workspace.ObservedNetwork{Exists: true, Owned: workspace.IsOwned(n.Labels, ""), ID: n.ID, Name: n.Name, Driver: n.Driver, Internal: n.Internal, Labels: workspace.UserLabels(n.Labels)}, nil
}

// DeleteNetwork removes a network we own; a missing one counts as removed.
// A network still used by containers fails with the engine's explanation.
func (e *Engine) DeleteNetwork(ctx context.Context, name string) error {
	obs, err := e.InspectNetwork(ctx, name)
	if err != nil || !obs.Exists {
		return err
	}
	if !obs.Owned {
		return nil // imported foreign network: forget it, never remove it
	}
	if err := e.cli.NetworkRemove(ctx, obs.ID); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing network %q on %s (is a container still attached?): %w", name, e.host, err)
	}
	e.networkCache.Delete(name)
	return nil
}

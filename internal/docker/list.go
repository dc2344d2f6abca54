// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// List returns the workspaces on the engine that match f, sorted by
// workspace id. It costs one container list call whatever the fleet's size:
// every condition is a Docker filter, never a per-workspace inspect. The
// observations carry what a list reports: no env, limits, isolation or
// restart count (Inspect has those).
func (e *Engine) List(ctx context.Context, f workspace.ListFilter) ([]workspace.ObservedWorkspace, error) {
	args := filters.NewArgs(
		filters.Arg("label", workspace.LabelManaged+"=true"),
		filters.Arg("label", workspace.LabelRole+"="+workspace.RoleContainer),
	)
	if f.Runtime != "" {
		args.Add("label", workspace.LabelRuntime+"="+f.Runtime)
	}
	if f.Tier != 0 {
		args.Add("label", workspace.LabelTier+"="+strconv.Itoa(f.Tier))
	}
	if f.Status != "" {
		args.Add("status", f.Status)
	}
	for k, v := range f.Labels {
		args.Add("label", k+"="+v)
	}
	list, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("listing workspace containers on %s: %w", e.host, err)
	}
	out := make([]workspace.ObservedWorkspace, 0, len(list))
	for _, c := range list {
		out = append(out, summarize(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkspaceID < out[j].WorkspaceID })
	return out, nil
}

// DetachedVolumes lists the volumes carrying our ownership label that no
// container (running or not) uses: one volume list call.
func (e *Engine) DetachedVolumes(ctx context.Context) ([]workspace.DetachedVolume, error) {
	args := filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"), filters.Arg("dangling", "true"))
	resp, err := e.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, fmt.Errorf("listing volumes on %s: %w", e.host, err)
	}
	out := make([]workspace.DetachedVolume, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		out = append(out, workspace.DetachedVolume{Name: v.Name, WorkspaceID: v.Labels[workspace.LabelWorkspaceID], Role: v.Labels[workspace.LabelRole]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// summarize maps one entry of a container list to an observation.
func summarize(c container.Summary) workspace.ObservedWorkspace {
	labels := c.Labels
	o := workspace.ObservedWorkspace{
		Exists:      true,
		Owned:       workspace.IsOwned(labels, ""),
		ContainerID: c.ID,
		WorkspaceID: labels[workspace.LabelWorkspaceID],
		Name:        labels[workspace.LabelName],
		Runtime:     labels[workspace.LabelRuntime],
		Image:       c.Image,
		ImageID:     c.ImageID,
		Status:      c.State,
		Running:     c.State == container.StateRunning,
		Labels:      workspace.PickKeys(labels, labels[workspace.LabelLabelKeys]),
		Network:     c.HostConfig.NetworkMode,
	}
	o.Tier, _ = strconv.Atoi(labels[workspace.LabelTier])
	if len(c.Names) > 0 {
		o.ContainerName = strings.TrimPrefix(c.Names[0], "/")
	}
	for _, p := range c.Ports {
		if int(p.PrivatePort) == workspace.AgentPort && p.Type == "tcp" && p.PublicPort != 0 {
			o.HostPort = strconv.Itoa(int(p.PublicPort))
			break
		}
	}
	readMounts(&o, c.Mounts)
	return o
}

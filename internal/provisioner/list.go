// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// ListFilter narrows List; zero fields match everything. All given
// conditions must hold.
type ListFilter struct {
	Runtime string
	Tier    int
	Status  string
	Labels  map[string]string // user labels, each key=value must be on the container
}

// DetachedVolume is a volume of ours that no container uses: left by
// keep_volumes, by a container removed outside Terraform, or by a crash.
type DetachedVolume struct {
	Name        string
	WorkspaceID string
	Role        string
}

// List returns the workspaces on the engine that match f, sorted by
// workspace id. It costs one container list call whatever the fleet's size:
// every condition is a Docker filter, never a per-workspace inspect. The
// observations carry what a list reports: no env, limits, isolation or
// restart count (Inspect has those).
func (e *Engine) List(ctx context.Context, f ListFilter) ([]ObservedWorkspace, error) {
	args := filters.NewArgs(
		filters.Arg("label", LabelManaged+"=true"),
		filters.Arg("label", LabelRole+"="+RoleContainer),
	)
	if f.Runtime != "" {
		args.Add("label", LabelRuntime+"="+f.Runtime)
	}
	if f.Tier != 0 {
		args.Add("label", LabelTier+"="+strconv.Itoa(f.Tier))
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
	out := make([]ObservedWorkspace, 0, len(list))
	for _, c := range list {
		out = append(out, summarize(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkspaceID < out[j].WorkspaceID })
	return out, nil
}

// DetachedVolumes lists the volumes carrying our ownership label that no
// container (running or not) uses: one volume list call.
func (e *Engine) DetachedVolumes(ctx context.Context) ([]DetachedVolume, error) {
	args := filters.NewArgs(filters.Arg("label", LabelManaged+"=true"), filters.Arg("dangling", "true"))
	resp, err := e.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, fmt.Errorf("listing volumes on %s: %w", e.host, err)
	}
	out := make([]DetachedVolume, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		out = append(out, DetachedVolume{Name: v.Name, WorkspaceID: v.Labels[LabelWorkspaceID], Role: v.Labels[LabelRole]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// summarize maps one entry of a container list to an observation.
func summarize(c container.Summary) ObservedWorkspace {
	labels := c.Labels
	o := ObservedWorkspace{
		Exists:      true,
		Owned:       IsOwned(labels, ""),
		ContainerID: c.ID,
		WorkspaceID: labels[LabelWorkspaceID],
		Name:        labels[LabelName],
		Runtime:     labels[LabelRuntime],
		Image:       c.Image,
		ImageID:     c.ImageID,
		Status:      c.State,
		Running:     c.State == container.StateRunning,
		Labels:      pick(labels, labels[LabelLabelKeys]),
		Network:     c.HostConfig.NetworkMode,
	}
	o.Tier, _ = strconv.Atoi(labels[LabelTier])
	if len(c.Names) > 0 {
		o.ContainerName = strings.TrimPrefix(c.Names[0], "/")
	}
	for _, p := range c.Ports {
		if int(p.PrivatePort) == AgentPort && p.Type == "tcp" && p.PublicPort != 0 {
			o.HostPort = strconv.Itoa(int(p.PublicPort))
			break
		}
	}
	o.readMounts(c.Mounts)
	return o
}

// WorkspaceAccess is the access mode the /workspace mount shows.
func (o ObservedWorkspace) WorkspaceAccess() string {
	switch {
	case o.WorkspacePath == "":
		return AccessNone
	case o.WorkspaceRO:
		return AccessReadOnly
	default:
		return AccessReadWrite
	}
}

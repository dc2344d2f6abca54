// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"maps"
	"slices"
	"sort"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// List returns our workspaces matching f, sorted by workspace id.
func (b *Backend) List(_ context.Context, f workspace.ListFilter) ([]workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("List", ""); err != nil {
		return nil, err
	}
	var out []workspace.ObservedWorkspace
	for _, c := range b.containers {
		if c.foreign || !matches(c, f) {
			continue
		}
		o := b.observe(c, false)
		// A list shows no env, limits, isolation or restart count.
		o.Env, o.UserEnv, o.MemoryMB, o.CPUs, o.Isolation, o.RestartCount = nil, nil, 0, 0, "", 0
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkspaceID < out[j].WorkspaceID })
	return out, nil
}

func matches(c *container, f workspace.ListFilter) bool {
	switch {
	case f.Runtime != "" && c.spec.Runtime != f.Runtime,
		f.Tier != 0 && c.spec.Tier != f.Tier,
		f.Status != "" && c.status != f.Status:
		return false
	}
	for k, v := range f.Labels {
		if c.spec.Labels[k] != v {
			return false
		}
	}
	return true
}

// DetachedVolumes lists our volumes that no container uses.
func (b *Backend) DetachedVolumes(context.Context) ([]workspace.DetachedVolume, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("DetachedVolumes", ""); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, c := range b.containers {
		if !c.foreign {
			for _, v := range specVolumes(c.spec) {
				used[v.name] = true
			}
		}
	}
	var out []workspace.DetachedVolume
	for _, name := range slices.Sorted(maps.Keys(b.volumes)) {
		if v := b.volumes[name]; v.workspaceID != "" && !used[name] {
			out = append(out, workspace.DetachedVolume{Name: name, WorkspaceID: v.workspaceID, Role: v.role})
		}
	}
	return out, nil
}

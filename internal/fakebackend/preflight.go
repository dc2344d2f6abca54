// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

// What the plan asks before anything is made: isolation, names, volumes.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Isolation summarises the tier's settings in the Docker backend's words,
// from the tier table.
func (b *Backend) Isolation(s workspace.WorkspaceSpec) string {
	t := workspace.TierInfo(s.Tier)
	pid, network := "private", s.Network
	if t.Privileged {
		pid = "host"
	}
	if t.HostNetwork {
		network = workspace.HostNetworkName
	}
	if network == "" {
		network = "default"
	}
	parts := []string{"privileged=" + strconv.FormatBool(t.Privileged), "pid=" + pid, "network=" + network, "readonly_rootfs=" + strconv.FormatBool(t.Sandboxed)}
	if t.Sandboxed {
		parts = append(parts, "tmpfs=/tmp:"+workspace.SandboxTmpfs)
	}
	if t.HostNetwork {
		parts = append(parts, "docker_socket=true")
	}
	return strings.Join(parts, " ")
}

// NameConflict describes what holds the workspace's name when that is not
// this workspace's container, and whether it is ours.
func (b *Backend) NameConflict(_ context.Context, workspaceID string) (string, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("NameConflict", workspaceID); err != nil {
		return "", false, err
	}
	c := b.containers[workspace.ContainerName(workspaceID)]
	switch {
	case c == nil:
		return "", false, nil
	case !c.foreign && c.workspaceID == workspaceID:
		return "", true, nil
	}
	return b.describeConflict(c, workspaceID), !c.foreign, nil
}

func (b *Backend) describeConflict(holder *container, workspaceID string) string {
	switch {
	case !holder.foreign:
		return fmt.Sprintf("container %s already belongs to workspace %q, whose id shares the first %d characters with %q: give the workspace an id with a different prefix", holder.name, holder.workspaceID, workspace.ShortIDLength, workspaceID)
	case holder.platform:
		return fmt.Sprintf("container %s on %s belongs to the Molecule platform, not to this provider: adopt it with the import id \"platform:%s\"", holder.name, Host, workspaceID)
	}
	return fmt.Sprintf("container name %s is taken by a container this provider does not manage (id %.12s): remove or rename it yourself, or give the workspace another id; the provider never touches containers it does not own", holder.name, holder.id)
}

// VolumeExists reports whether a volume of ours for workspaceID exists.
func (b *Backend) VolumeExists(_ context.Context, name, workspaceID string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("VolumeExists", workspaceID); err != nil {
		return false, err
	}
	v := b.volumes[name]
	return v != nil && v.workspaceID == workspaceID, nil
}

// VolumeHoldsConfig reports whether the workspace's config volume holds a
// config.yaml.
func (b *Backend) VolumeHoldsConfig(_ context.Context, workspaceID, _ string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("VolumeHoldsConfig", workspaceID); err != nil {
		return false, err
	}
	v := b.volumes[workspace.ConfigVolumeName(workspaceID)]
	return v != nil && v.files["config.yaml"].hash != "", nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// These helpers change the world behind Terraform's back, the way an
// operator with the docker CLI would, so drift tests can check the plan. They
// only ever touch objects named after the test's own workspace ids.

// StopWorkspaceContainer stops the container, like docker stop.
func StopWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string) {
	t.Helper()
	timeout := 5
	if err := cli.ContainerStop(context.Background(), workspace.ContainerName(workspaceID), container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("stopping workspace %s: %v", workspaceID, err)
	}
}

// RemoveWorkspaceContainer force-removes the container and keeps its volumes,
// like docker rm -f.
func RemoveWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string) {
	t.Helper()
	if err := cli.ContainerRemove(context.Background(), workspace.ContainerName(workspaceID), container.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("removing container of workspace %s: %v", workspaceID, err)
	}
}

// UpdateWorkspaceLimits changes memory and CPU like docker update.
func UpdateWorkspaceLimits(t *testing.T, cli *client.Client, workspaceID string, memoryMB int64, cpus float64) {
	t.Helper()
	mem := memoryMB << 20
	_, err := cli.ContainerUpdate(context.Background(), workspace.ContainerName(workspaceID), container.UpdateConfig{
		Resources: container.Resources{Memory: mem, MemorySwap: mem, NanoCPUs: int64(cpus * 1e9)},
	})
	if err != nil {
		t.Fatalf("updating limits of workspace %s: %v", workspaceID, err)
	}
}

// RecreateWorkspaceContainer replaces the workspace's container by one made
// from its own inspected configuration after mutate has altered it: same name,
// same ownership labels, same network alias, started when the old one ran.
// Docker cannot change env, mounts or privileges in place, so this is how
// they drift in real life.
func RecreateWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string, mutate func(*container.Config, *container.HostConfig)) {
	t.Helper()
	ctx := context.Background()
	info := MustInspect(t, cli, workspaceID)
	cfg, hc := *info.Config, *info.HostConfig
	cfg.Env = slices.Clone(cfg.Env)
	cfg.Labels = maps.Clone(cfg.Labels)
	cfg.Hostname = "" // the old container's id; let Docker pick the new one's
	hc.Mounts = slices.Clone(hc.Mounts)
	mutate(&cfg, &hc)

	name := strings.TrimPrefix(info.Name, "/")
	if err := cli.ContainerRemove(ctx, info.ID, container.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("removing %s to recreate it: %v", name, err)
	}
	var networking *network.NetworkingConfig
	if !hc.NetworkMode.IsHost() {
		networking = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			string(hc.NetworkMode): {Aliases: []string{name}},
		}}
	}
	created, err := cli.ContainerCreate(ctx, &cfg, &hc, networking, nil, name)
	if err != nil {
		t.Fatalf("recreating %s: %v", name, err)
	}
	if info.State != nil && info.State.Running {
		if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
			t.Fatalf("starting recreated %s: %v", name, err)
		}
	}
}

// WithEnv returns a mutation setting one environment variable.
func WithEnv(key, value string) func(*container.Config, *container.HostConfig) {
	return func(cfg *container.Config, _ *container.HostConfig) {
		cfg.Env = slices.DeleteFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, key+"=") })
		cfg.Env = append(cfg.Env, key+"="+value)
	}
}

// WithWorkspaceMount returns a mutation replacing the /workspace mount.
func WithWorkspaceMount(m mount.Mount) func(*container.Config, *container.HostConfig) {
	return func(_ *container.Config, hc *container.HostConfig) {
		m.Target = "/workspace"
		hc.Mounts = slices.DeleteFunc(hc.Mounts, func(x mount.Mount) bool { return x.Target == "/workspace" })
		hc.Mounts = append(hc.Mounts, m)
	}
}

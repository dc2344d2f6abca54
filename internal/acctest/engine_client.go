// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Docker returns a client for the engine the provider uses by default.
func Docker(t *testing.T) *client.Client {
	t.Helper()
	AcceptanceOnly(t)
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// PreCheck fails (never skips) when the engine or images are missing: in CI
// acceptance tests must run.
func PreCheck(t *testing.T) {
	t.Helper()
	AcceptanceOnly(t)
	cli := Docker(t)
	ctx := context.Background()
	if _, err := cli.Ping(ctx); err != nil {
		t.Fatalf("no Docker engine answers (%v): run scripts/ensure-docker.sh, or make test", err)
	}
	if _, err := cli.ImageInspect(ctx, StandinImage("langgraph")); err != nil {
		t.Fatalf("stand-in image missing (%v): run scripts/build-test-images.sh, or make test", err)
	}
	EnsureNetwork(t, cli, Network)
}

// EnsureNetwork creates a test network (labelled as ours) when missing.
func EnsureNetwork(t *testing.T, cli *client.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return
	}
	_, err := cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: workspace.OwnershipLabels("", workspace.RoleNetwork)})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating test network %s: %v", name, err)
	}
}

// InspectContainer returns the workspace's container as Docker sees it.
func InspectContainer(cli *client.Client, workspaceID string) (container.InspectResponse, error) {
	return cli.ContainerInspect(context.Background(), workspace.ContainerName(workspaceID))
}

// MustInspect returns the workspace's container as Docker sees it, or fails.
func MustInspect(t *testing.T, cli *client.Client, workspaceID string) container.InspectResponse {
	t.Helper()
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		t.Fatalf("inspecting container of workspace %s: %v", workspaceID, err)
	}
	return info
}

// WorkspaceContainers lists the names of all containers, running or not,
// that carry the workspace's id label (its own and any short-lived ones).
func WorkspaceContainers(cli *client.Client, workspaceID string) ([]string, error) {
	f := filters.NewArgs(filters.Arg("label", workspace.LabelWorkspaceID+"="+workspaceID))
	list, err := cli.ContainerList(context.Background(), container.ListOptions{All: true, Filters: f})
	var names []string
	for _, c := range list {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names, err
}

// VolumeExists reports whether a volume of that name exists, with its labels.
func VolumeExists(cli *client.Client, name string) (bool, map[string]string, error) {
	v, err := cli.VolumeInspect(context.Background(), name)
	if cerrdefs.IsNotFound(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	return true, v.Labels, nil
}

// ContainerStartedAt returns when the workspace's container last started, to
// tell a restart from no restart.
func ContainerStartedAt(cli *client.Client, workspaceID string) (time.Time, error) {
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, info.State.StartedAt)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// CreateForeignContainer creates (never starts) a container with plain
// docker API calls and no labels at all, as a user's own container would be.
// It is removed at the end of the test.
func CreateForeignContainer(t *testing.T, cli *client.Client, name string) container.InspectResponse {
	t.Helper()
	ctx := context.Background()
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: StandinImage("langgraph")}, nil, nil, nil, name)
	if err != nil {
		t.Fatalf("creating foreign container %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	})
	info, err := cli.ContainerInspect(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// CreateForeignNetwork creates a bridge network without our labels and
// removes it at the end of the test.
func CreateForeignNetwork(t *testing.T, cli *client.Client, name string) string {
	t.Helper()
	resp, err := cli.NetworkCreate(context.Background(), name, network.CreateOptions{Driver: "bridge"})
	if err != nil {
		t.Fatalf("creating foreign network %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cli.NetworkRemove(context.Background(), resp.ID) })
	return resp.ID
}

// RemoveVolumes removes volumes a test kept on purpose; missing ones are fine.
func RemoveVolumes(cli *client.Client, names ...string) error {
	for _, n := range names {
		if err := cli.VolumeRemove(context.Background(), n, true); err != nil && !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}

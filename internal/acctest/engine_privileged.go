// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// EngineStartsPrivileged reports whether the engine can start a privileged
// container now, with a probe container of its own for each call (nothing
// is remembered between tests). An engine inside a sandbox that withholds
// capabilities from its bounding set cannot: runc fails with "unable to
// apply caps". The reason says why not.
func EngineStartsPrivileged(t *testing.T, cli *client.Client) (bool, string) {
	t.Helper()
	ctx := context.Background()
	name := RandomID("privprobe")
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: StandinImage("langgraph"), Labels: map[string]string{TestImageLabel: "true"}},
		&container.HostConfig{Privileged: true}, nil, nil, name)
	if err != nil {
		return false, "creating a privileged probe container: " + err.Error()
	}
	defer func() { _ = cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}) }()
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

var privilegedProbe struct {
	once   sync.Once
	ok     bool
	reason string
}

// EngineStartsPrivileged reports whether the engine can start a privileged
// container at all (asked once per test binary). An engine inside a sandbox
// that withholds capabilities from its bounding set cannot: runc fails with
// "unable to apply caps". The reason says why not.
func EngineStartsPrivileged(t *testing.T, cli *client.Client) (bool, string) {
	t.Helper()
	privilegedProbe.once.Do(func() {
		ctx := context.Background()
		name := RandomID("privprobe")
		created, err := cli.ContainerCreate(ctx, &container.Config{Image: StandinImage("langgraph"), Labels: map[string]string{TestImageLabel: "true"}},
			&container.HostConfig{Privileged: true}, nil, nil, name)
		if err != nil {
			privilegedProbe.reason = "creating a privileged probe container: " + err.Error()
			return
		}
		defer func() { _ = cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}) }()
		if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
			privilegedProbe.reason = err.Error()
			return
		}
		privilegedProbe.ok = true
	})
	return privilegedProbe.ok, privilegedProbe.reason
}

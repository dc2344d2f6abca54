// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"fmt"
	"time"

	"github.com/docker/docker/client"
)

// ExpectRestartedSince checks that the container runs and started after before.
func ExpectRestartedSince(cli *client.Client, workspaceID string, before time.Time) error {
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return err
	}
	started, err := time.Parse(time.RFC3339Nano, info.State.StartedAt)
	if err != nil {
		return err
	}
	if !info.State.Running || !started.After(before) {
		return fmt.Errorf("container %s should have been restarted after %s: running=%t, started at %s",
			info.Name, before.Format(time.RFC3339Nano), info.State.Running, info.State.StartedAt)
	}
	return nil
}

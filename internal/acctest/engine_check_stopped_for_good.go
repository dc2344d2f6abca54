// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"fmt"
	"time"

	"github.com/docker/docker/client"
)

// ExpectStoppedForGood checks that the workspace's container exists, is not
// running or restarting, and stays so for watch: its restart count must not
// rise, which is what a restart loop under unless-stopped would show.
func ExpectStoppedForGood(cli *client.Client, workspaceID string, watch time.Duration) error {
	first, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return fmt.Errorf("inspecting the crashed workspace's container: %w", err)
	}
	if first.State == nil || first.State.Running || first.State.Restarting {
		return fmt.Errorf("container %s should be stopped after the crash, state is %+v", first.Name, first.State)
	}
	time.Sleep(watch)
	later, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return err
	}
	if later.State.Running || later.State.Restarting || later.RestartCount != first.RestartCount {
		return fmt.Errorf("container %s came back after being stopped: running=%t restarting=%t, restarts %d -> %d over %s",
			later.Name, later.State.Running, later.State.Restarting, first.RestartCount, later.RestartCount, watch)
	}
	return nil
}

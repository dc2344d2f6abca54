// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
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

// ContainerStartedAt returns when the workspace's container last started, to
// tell a restart from no restart.
func ContainerStartedAt(cli *client.Client, workspaceID string) (time.Time, error) {
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, info.State.StartedAt)
}

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

// AgentGet fetches path from the workspace's agent through its published
// host port, as read from Docker (not from Terraform state).
func AgentGet(cli *client.Client, workspaceID, path string) (int, string, error) {
	info, err := cli.ContainerInspect(context.Background(), provisioner.ContainerName(workspaceID))
	if err != nil {
		return 0, "", err
	}
	bindings := info.NetworkSettings.Ports["8000/tcp"]
	if len(bindings) == 0 {
		return 0, "", fmt.Errorf("container %s publishes no port 8000", info.Name)
	}
	return HTTPGet("http://127.0.0.1:" + bindings[0].HostPort + path)
}

// MessageRegexp matches an error holding each part in order. Terraform wraps
// diagnostics at about 80 columns, so every space in a part matches any run
// of white space; the rest of each part is literal.
func MessageRegexp(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// WorkspaceContainers lists the names of all containers, running or not,
// that carry the workspace's id label (its own and any short-lived ones).
func WorkspaceContainers(cli *client.Client, workspaceID string) ([]string, error) {
	f := filters.NewArgs(filters.Arg("label", provisioner.LabelWorkspaceID+"="+workspaceID))
	list, err := cli.ContainerList(context.Background(), container.ListOptions{All: true, Filters: f})
	var names []string
	for _, c := range list {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names, err
}

// ExpectServing checks through Docker's port binding (not Terraform state)
// that the workspace's agent answers its agent card.
func ExpectServing(cli *client.Client, workspaceID string) func(*terraform.State) error {
	return func(*terraform.State) error {
		status, body, err := AgentGet(cli, workspaceID, "/.well-known/agent-card.json")
		if err != nil || status != 200 {
			return fmt.Errorf("workspace %s should serve its agent card: status %d, %v, %s", workspaceID, status, err, body)
		}
		return nil
	}
}

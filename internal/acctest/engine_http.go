// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// HTTPGet fetches a URL with a short timeout, returning status and body.
func HTTPGet(url string) (int, string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// WaitHTTP polls url until it answers 200 or the timeout passes.
func WaitHTTP(url string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		code, body, err := HTTPGet(url)
		if err == nil && code == 200 {
			return body, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s did not answer 200 within %s (last: code %d, err %v)", url, timeout, code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AgentGet fetches path from the workspace's agent through its published
// host port, as read from Docker (not from Terraform state).
func AgentGet(cli *client.Client, workspaceID, path string) (int, string, error) {
	info, err := cli.ContainerInspect(context.Background(), workspace.ContainerName(workspaceID))
	if err != nil {
		return 0, "", err
	}
	bindings := info.NetworkSettings.Ports[nat.Port(fmt.Sprintf("%d/tcp", workspace.AgentPort))]
	if len(bindings) == 0 {
		return 0, "", fmt.Errorf("container %s publishes no port %d", info.Name, workspace.AgentPort)
	}
	return HTTPGet("http://127.0.0.1:" + bindings[0].HostPort + path)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// StandinVariant is a variant image built by scripts/build-test-images.sh:
// "volumes", "nonroot", "entrypoint" or "healthcheck".
func StandinVariant(name string) string { return StandinPrefix + "-variant:" + name }

// AnonymousVolumes returns the workspace container's anonymous volumes,
// mount path -> volume name.
func AnonymousVolumes(cli *client.Client, workspaceID string) (map[string]string, error) {
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		return nil, err
	}
	return anonymousVolumesOf(info), nil
}

func anonymousVolumesOf(info container.InspectResponse) map[string]string {
	out := map[string]string{}
	for _, m := range info.Mounts {
		if m.Type == mount.TypeVolume && workspace.IsAnonymousVolume(m.Name) {
			out[m.Destination] = m.Name
		}
	}
	return out
}

// ExpectVolumesGone checks that none of the named volumes exists.
func ExpectVolumesGone(cli *client.Client, names func() []string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, n := range names() {
			exists, _, err := VolumeExists(cli, n)
			if err != nil {
				return err
			}
			if exists {
				return fmt.Errorf("volume %s is still there", n)
			}
		}
		return nil
	}
}

// CreateForeignVolumeContainer creates (never starts) a container from image
// outside Terraform, the way another tool would, and returns its anonymous
// volumes; it and they are removed when the test ends.
func CreateForeignVolumeContainer(tb interface {
	Helper()
	Fatalf(string, ...any)
	Cleanup(func())
}, cli *client.Client, name, image string) map[string]string {
	tb.Helper()
	ctx := context.Background()
	resp, err := cli.ContainerCreate(ctx, &container.Config{Image: image}, &container.HostConfig{NetworkMode: "none"}, nil, nil, name)
	if err != nil {
		tb.Fatalf("creating foreign container %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), resp.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	})
	info, err := cli.ContainerInspect(ctx, resp.ID)
	if err != nil {
		tb.Fatalf("inspecting foreign container %s: %v", name, err)
	}
	return anonymousVolumesOf(info)
}

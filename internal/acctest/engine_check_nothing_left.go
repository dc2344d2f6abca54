// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// CheckNothingLeft is a CheckDestroy: no container or volume labelled with
// any of the workspace ids survives.
func CheckNothingLeft(cli *client.Client, workspaceIDs ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		return NothingLeft(cli, workspaceIDs...)
	}
}

// NothingLeft reports containers or volumes left for the workspace ids.
func NothingLeft(cli *client.Client, workspaceIDs ...string) error {
	ctx := context.Background()
	for _, id := range workspaceIDs {
		f := filters.NewArgs(filters.Arg("label", workspace.LabelWorkspaceID+"="+id))
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			return fmt.Errorf("workspace %s: %d container(s) left", id, len(cs))
		}
		vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
		if err != nil {
			return err
		}
		if len(vs.Volumes) > 0 {
			return fmt.Errorf("workspace %s: %d volume(s) left, e.g. %s", id, len(vs.Volumes), vs.Volumes[0].Name)
		}
		for _, name := range []string{workspace.ContainerName(id)} {
			if _, err := cli.ContainerInspect(ctx, name); !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("container %s still exists (err=%v)", name, err)
			}
		}
	}
	return nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// sweepMinAge spares young objects: on a machine where tests are running,
// go test ./internal/resources -sweep=local -sweep-min-age=30m removes only
// leftovers.
var sweepMinAge = flag.Duration("sweep-min-age", 0, "with -sweep: leave test objects younger than this alone")

// TestMain runs the tests through acctest.RunTests (acceptance tests only
// with TF_ACC set), or with -sweep=<anything, e.g. local> only the
// sweepers, which remove test workspaces left by interrupted runs from the
// engine at DOCKER_HOST: containers and volumes carrying the ownership
// label whose workspace id starts with acctest.IDPrefix, unused test
// networks, and leftover extra engines.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("sweep"); f != nil && f.Value.String() != "" {
		resource.TestMain(m) // runs the sweepers and exits
		return
	}
	code := acctest.RunTests(m)
	acctest.RemoveBuiltProvider()
	os.Exit(code)
}

func init() {
	resource.AddTestSweepers("molecule_workspace", &resource.Sweeper{
		Name: "molecule_workspace",
		F: withSweepClient(func(ctx context.Context, cli *client.Client, o acctest.SweepOptions) ([]string, error) {
			return acctest.SweepWorkspaces(ctx, cli, o)
		}),
	})
	resource.AddTestSweepers("molecule_network", &resource.Sweeper{
		Name:         "molecule_network",
		Dependencies: []string{"molecule_workspace"},
		F: withSweepClient(func(ctx context.Context, cli *client.Client, o acctest.SweepOptions) ([]string, error) {
			return acctest.SweepNetworks(ctx, cli, []string{"molecule-" + acctest.IDPrefix, acctest.IDPrefix}, o)
		}),
	})
	resource.AddTestSweepers("registry_images", &resource.Sweeper{
		Name:         "registry_images",
		Dependencies: []string{"molecule_workspace"},
		F: withSweepClient(func(ctx context.Context, cli *client.Client, o acctest.SweepOptions) ([]string, error) {
			return acctest.SweepRegistryImages(ctx, cli, o)
		}),
	})
	resource.AddTestSweepers("extra_engines", &resource.Sweeper{
		Name: "extra_engines",
		F:    func(string) error { return acctest.SweepExtraEngines(log.Printf) },
	})
}

// withSweepClient makes a sweeper function that runs sweep with a client of
// the engine named by DOCKER_HOST and the run's options.
func withSweepClient(sweep func(context.Context, *client.Client, acctest.SweepOptions) ([]string, error)) func(string) error {
	return func(string) error {
		cli, err := sweepClient()
		if err != nil {
			return err
		}
		defer cli.Close()
		_, err = sweep(context.Background(), cli, acctest.SweepOptions{MinAge: *sweepMinAge, Log: log.Printf})
		return err
	}
}

func sweepClient() (*client.Client, error) {
	return client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
}

// TestAccSweeper_removesOnlyOwnedTestObjects runs the workspace sweeper with
// a prefix of its own over: a labelled container and volumes of a matching
// id (removed), an unlabelled container and volume whose names match
// (kept), a labelled container of a non-matching id (kept), and a labelled
// container younger than the minimum age (kept).
func TestAccSweeper_removesOnlyOwnedTestObjects(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cli := acctest.Docker(t)
	ctx := context.Background()
	prefix := acctest.RandomID("sw")[:12] // unique: never matches other tests' objects
	matching := prefix + "-old"
	other := acctest.RandomID("keep")

	made := []string{}
	mkContainer := func(name string, labels map[string]string) {
		t.Helper()
		if _, err := cli.ContainerCreate(ctx, &container.Config{Image: acctest.StandinImage("langgraph"), Labels: labels}, nil, nil, nil, name); err != nil {
			t.Fatal(err)
		}
		made = append(made, name)
	}
	mkVolume := func(name string, labels map[string]string) {
		t.Helper()
		if _, err := cli.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, name := range made {
			_ = cli.ContainerRemove(ctx, name, container.RemoveOptions{Force: true})
		}
		for _, name := range []string{workspace.ConfigVolumeName(matching), prefix + "-unlabelled-vol"} {
			_ = cli.VolumeRemove(ctx, name, true)
		}
	})
	mkContainer(workspace.ContainerName(matching), workspace.OwnershipLabels(matching, workspace.RoleContainer))
	mkVolume(workspace.ConfigVolumeName(matching), workspace.OwnershipLabels(matching, workspace.RoleConfigVolume))
	mkContainer(prefix+"-unlabelled", map[string]string{workspace.LabelWorkspaceID: prefix + "-x"})
	mkVolume(prefix+"-unlabelled-vol", map[string]string{workspace.LabelWorkspaceID: prefix + "-x"})
	mkContainer(workspace.ContainerName(other), workspace.OwnershipLabels(other, workspace.RoleContainer))

	// Everything is seconds old: a minimum age spares it all.
	removed, err := acctest.SweepWorkspaces(ctx, cli, acctest.SweepOptions{Prefixes: []string{prefix}, MinAge: time.Hour})
	if err != nil || len(removed) != 0 {
		t.Fatalf("sweep with a 1h minimum age removed %v (err %v)", removed, err)
	}
	removed, err = acctest.SweepWorkspaces(ctx, cli, acctest.SweepOptions{Prefixes: []string{prefix}, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	want := []string{workspace.ContainerName(matching), workspace.ConfigVolumeName(matching)}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("swept %v, want %v", removed, want)
	}
	for _, name := range []string{prefix + "-unlabelled", workspace.ContainerName(other)} {
		if _, err := cli.ContainerInspect(ctx, name); err != nil {
			t.Errorf("container %s should have been kept: %v", name, err)
		}
	}
	if _, err := cli.VolumeInspect(ctx, prefix+"-unlabelled-vol"); err != nil {
		t.Errorf("the unlabelled volume should have been kept: %v", err)
	}
	if err := acctest.NothingLeft(cli, matching); err != nil {
		t.Error(fmt.Errorf("after the sweep: %w", err))
	}
}

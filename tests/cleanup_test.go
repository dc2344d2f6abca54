// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package tests holds tests of the repository's scripts against a real
// Docker engine.
package tests

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// TestAccCleanupRogueWorkspaces creates test-prefixed objects with and
// without the ownership label, plus labelled ones with other ids, and runs
// scripts/cleanup-rogue-workspaces.sh: the dry run (default prefixes) lists
// exactly the labelled, prefixed ones and removes nothing; --remove (with
// this test's own prefixes, so that other tests' workspaces on the engine
// are safe) removes them with their volumes and nothing else.
func TestAccCleanupRogueWorkspaces(t *testing.T) {
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	ctx := context.Background()
	tag := acctest.RandomID("x")[5:11] // 6 random hex digits

	type object struct {
		name, workspaceID, display string
		labelled, volume, want     bool
	}
	placeholder := "aaaaaaaa-" + tag         // default prefix, labelled: listed
	orphanVolume := "test-ws-" + tag         // a labelled volume whose container is gone
	byDisplayName := "zz" + tag + "-display" // id matches nothing, display name does
	objects := []object{
		{name: workspace.ContainerName(placeholder), workspaceID: placeholder, labelled: true, want: true},
		{name: workspace.ConfigVolumeName(placeholder), workspaceID: placeholder, labelled: true, volume: true, want: true},
		{name: workspace.ConfigVolumeName(orphanVolume), workspaceID: orphanVolume, labelled: true, volume: true, want: true},
		{name: workspace.ContainerName(byDisplayName), workspaceID: byDisplayName, display: "cccccccc-" + tag, labelled: true, want: true},
		// Test-prefixed but without our ownership label: never touched.
		{name: "ws-test-ws-" + tag, workspaceID: "test-ws-" + tag + "-foreign", labelled: false},
		{name: "ws-bbbbbbbb-" + tag + "-vol", workspaceID: "bbbbbbbb-" + tag, labelled: false, volume: true},
		// Ours, but not a test id: never touched.
		{name: "ws-prod" + tag, workspaceID: "prod" + tag + "-agent", labelled: true},
	}
	// Volumes first: a container would create its missing volume unlabelled.
	volumesFirst := slices.Concat(
		slices.DeleteFunc(slices.Clone(objects), func(o object) bool { return !o.volume }),
		slices.DeleteFunc(slices.Clone(objects), func(o object) bool { return o.volume }))
	for _, o := range volumesFirst {
		labels := map[string]string{workspace.LabelWorkspaceID: o.workspaceID}
		if o.display != "" {
			labels[workspace.LabelName] = o.display
		}
		if o.labelled {
			labels[workspace.LabelManaged] = "true"
		}
		var err error
		if o.volume {
			_, err = cli.VolumeCreate(ctx, volume.CreateOptions{Name: o.name, Labels: labels})
			t.Cleanup(func() { _ = cli.VolumeRemove(ctx, o.name, true) })
		} else {
			var hc *container.HostConfig
			if o.workspaceID == placeholder { // mounts its config volume, as a workspace does
				hc = &container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: workspace.ConfigVolumeName(placeholder), Target: "/configs"}}}
			}
			_, err = cli.ContainerCreate(ctx, &container.Config{Image: acctest.StandinImage("langgraph"), Labels: labels}, hc, nil, nil, o.name)
			t.Cleanup(func() { _ = cli.ContainerRemove(ctx, o.name, container.RemoveOptions{Force: true}) })
		}
		if err != nil {
			t.Fatalf("creating %s: %v", o.name, err)
		}
	}
	exists := func(o object) bool {
		if o.volume {
			_, err := cli.VolumeInspect(ctx, o.name)
			return err == nil
		}
		_, err := cli.ContainerInspect(ctx, o.name)
		return err == nil
	}
	script := filepath.Join(acctest.RepoRoot(t), "scripts", "cleanup-rogue-workspaces.sh")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(script, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", script, args, err, out)
		}
		return string(out)
	}

	dry := run()
	for _, o := range objects {
		listed := strings.Contains(dry, o.name+" ") || strings.Contains(dry, o.name+":")
		if listed != o.want {
			t.Errorf("dry run lists %s: %t, want %t\n%s", o.name, listed, o.want, dry)
		}
		if !exists(o) {
			t.Errorf("the dry run removed %s", o.name)
		}
	}
	if !strings.Contains(dry, "dry run") || strings.Contains(dry, "removing") {
		t.Errorf("the default mode must be a dry run:\n%s", dry)
	}

	removed := run("--remove", "--prefix", placeholder, "--prefix", orphanVolume, "--prefix", "cccccccc-"+tag,
		"--prefix", "test-ws-"+tag, "--prefix", "bbbbbbbb-"+tag)
	t.Logf("remove mode:\n%s", removed)
	for _, o := range objects {
		if gone := !exists(o); gone != o.want {
			t.Errorf("after --remove, %s gone: %t, want %t", o.name, gone, o.want)
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// TestAccPlatform_adoptFromDefaultBridgeAfterInterruptedApply adopts a
// platform-made workspace whose container sits on the engine's default
// bridge (created without a network, so Docker records "default"), after an
// apply that removed the platform's container and stopped before creating
// ours. The generated configuration names the provider's network, not
// "default"; the plan on the interrupted adoption warns that it is
// unfinished and plans the update instead of failing with "nothing to
// adopt"; the apply creates our container on the same volumes with the data
// in both, on the provider's network; the next plan is empty.
func TestAccPlatform_adoptFromDefaultBridgeAfterInterruptedApply(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	id := s.AddPlatformWorkspace("bridge-agent")
	name := workspace.ContainerName(id)
	configVol, workspaceVol := name+"-configs", "ws-"+id+"-workspace"
	ctx := context.Background()
	for _, v := range []string{configVol, workspaceVol} {
		if _, err := cli.VolumeCreate(ctx, volume.CreateOptions{Name: v}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), name, container.RemoveOptions{Force: true})
		for end := time.Now().Add(15 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			err := acctest.RemoveVolumes(cli, configVol, workspaceVol)
			if err == nil || time.Now().After(end) {
				return
			}
		}
	})
	created, err := cli.ContainerCreate(ctx,
		&container.Config{
			Image:  acctest.StandinImage("langgraph"),
			Labels: map[string]string{workspace.LabelPlatformManaged: "true"},
			Env:    []string{"WORKSPACE_ID=" + id, "WORKSPACE_CONFIG_PATH=/configs", "PLATFORM_URL=" + s.URL(), "TIER=2", "MY_API_KEY=sk-bridge"},
		},
		&container.HostConfig{Mounts: []mount.Mount{
			{Type: mount.TypeVolume, Source: configVol, Target: "/configs"},
			{Type: mount.TypeVolume, Source: workspaceVol, Target: "/workspace"},
		}},
		nil, nil, name)
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, cli, created.ID, "/configs", "config.yaml", acctest.MinimalConfigYAML("bridge-agent"), 0o644)
	copyFile(t, cli, created.ID, "/workspace", "data.txt", "bridge work\n", 0o644)
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	s.SetStatus(id, "online")

	wd := acctest.NewWorkdir(t)
	wd.DestroyOnCleanup()
	provider := platformProvider(s.URL(), standinAdminToken)
	wd.SetConfig(provider + fmt.Sprintf("import {\n  to = molecule_workspace.adopted\n  id = %q\n}\n", "platform:"+id))
	_ = wd.Run("plan", "-generate-config-out=generated.tf") // refuses until env is filled in
	generated, err := os.ReadFile(filepath.Join(wd.Dir, "generated.tf"))
	if err != nil {
		t.Fatalf("no generated configuration: %v", err)
	}
	network := regexp.MustCompile(`(?m)^\s*network\s*=\s*"([^"]*)"`).FindSubmatch(generated)
	if network == nil || string(network[1]) != acctest.Network {
		t.Fatalf("generated network %q, want the provider's %q:\n%s", network, acctest.Network, generated)
	}
	filled := regexp.MustCompile(`(?m)^\s*env\s*=.*$`).ReplaceAll(generated, []byte(`  env = { MY_API_KEY = "sk-bridge" }`))
	if err := os.WriteFile(filepath.Join(wd.Dir, "generated.tf"), filled, 0o600); err != nil {
		t.Fatal(err)
	}

	// An apply that stopped between removing the platform's container and
	// creating ours: the import is in state, the container is gone.
	wd.SetConfig(provider)
	wd.MustRun("import", "molecule_workspace.adopted", "platform:"+id)
	if err := cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "Adoption of workspace "+id+" is unfinished", "1 to change")
	wd.MustRun("apply", "-auto-approve")

	info := acctest.MustInspect(t, cli, id)
	if !workspace.IsOwned(info.Config.Labels, id) || !info.State.Running {
		t.Fatalf("after the apply: labels %v, running %v", info.Config.Labels, info.State.Running)
	}
	if _, ok := info.NetworkSettings.Networks[acctest.Network]; !ok {
		t.Errorf("adopted container networks %v, want %s", keysOf(info.NetworkSettings.Networks), acctest.Network)
	}
	for file, want := range map[string]string{
		"/workspace/data.txt":  "bridge work\n",
		"/configs/config.yaml": acctest.MinimalConfigYAML("bridge-agent"),
	} {
		if got := readFile(t, cli, name, file); got != want {
			t.Errorf("%s after adoption = %q, want %q", file, got, want)
		}
	}
	expectPlanExitCode(t, wd, 0)
}

func keysOf[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, ",")
}

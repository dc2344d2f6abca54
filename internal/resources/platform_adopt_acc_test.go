// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	"github.com/molecule-ai/terraform-provider-molecule/tests/platformstandin"
)

// platformMadeWorkspace builds what the platform's provisioner makes for a
// workspace of a runtime: volumes ws-<id12>-configs and ws-<id>-workspace
// (the platform's naming), for claude-code also ws-<id12>-claude-sessions at
// /root/.claude/sessions, a container ws-<id12> labelled
// molecule.platform.managed=true with an API key in its env, and files in
// every volume. It returns the container ID and the workspace volume's name.
func platformMadeWorkspace(t *testing.T, cli *client.Client, id, runtime, platformURL, token string) (string, string) {
	t.Helper()
	ctx := context.Background()
	name := workspace.ContainerName(id)
	configVol, workspaceVol := name+"-configs", "ws-"+id+"-workspace"
	volumes := []string{configVol, workspaceVol}
	mounts := []mount.Mount{
		{Type: mount.TypeVolume, Source: configVol, Target: "/configs"},
		{Type: mount.TypeVolume, Source: workspaceVol, Target: "/workspace"},
	}
	if workspace.HasSessionsVolume(runtime) {
		sessionsVol := workspace.SessionsVolumeName(id)
		volumes = append(volumes, sessionsVol)
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: sessionsVol, Target: workspace.ClaudeSessionsPath})
	}
	for _, v := range volumes {
		if _, err := cli.VolumeCreate(ctx, volume.CreateOptions{Name: v}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { // after the destroy, which must have removed them
		_ = cli.ContainerRemove(context.Background(), name, container.RemoveOptions{Force: true})
		// A container being removed still holds its volumes for a moment.
		for end := time.Now().Add(15 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			err := acctest.RemoveVolumes(cli, volumes...)
			if err == nil || time.Now().After(end) {
				if err != nil {
					t.Errorf("removing the test's volumes: %v", err)
				}
				return
			}
		}
	})
	port := nat.Port("8000/tcp")
	created, err := cli.ContainerCreate(ctx,
		&container.Config{
			Image:        acctest.StandinImage(runtime),
			Labels:       map[string]string{workspace.LabelPlatformManaged: "true"},
			Env:          []string{"WORKSPACE_ID=" + id, "WORKSPACE_CONFIG_PATH=/configs", "PLATFORM_URL=" + platformURL, "MOLECULE_URL=" + platformURL, "TIER=2", "PLUGINS_DIR=/plugins", "MY_API_KEY=sk-platform-made"},
			ExposedPorts: nat.PortSet{port: {}},
		},
		&container.HostConfig{
			Mounts:        mounts,
			Resources:     container.Resources{Memory: 512 << 20, MemorySwap: 512 << 20, NanoCPUs: 1e9},
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
			PortBindings:  nat.PortMap{port: {{HostIP: "127.0.0.1"}}},
			NetworkMode:   container.NetworkMode(acctest.Network),
		},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{acctest.Network: {Aliases: []string{name}}}},
		nil, name)
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, cli, created.ID, "/configs", "config.yaml", acctest.MinimalConfigYAML("platform-made"), 0o644)
	copyFile(t, cli, created.ID, "/configs", "notes.txt", "kept by the platform\n", 0o644)
	copyFile(t, cli, created.ID, "/configs", workspace.AuthTokenFile, token, 0o600)
	copyFile(t, cli, created.ID, "/workspace", "data.txt", "work in progress\n", 0o644)
	if workspace.HasSessionsVolume(runtime) {
		copyFile(t, cli, created.ID, workspace.ClaudeSessionsPath, "session.json", `{"session":"kept"}`, 0o600)
	}
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	return created.ID, workspaceVol
}

func copyFile(t *testing.T, cli *client.Client, containerID, dir, name, content string, mode int64) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(content)), Uid: 1000, Gid: 1000, ModTime: time.Now()})
	_, _ = tw.Write([]byte(content))
	_ = tw.Close()
	if err := cli.CopyToContainer(context.Background(), containerID, dir, &buf, container.CopyToContainerOptions{}); err != nil {
		t.Fatal(err)
	}
}

// readFile reads one file from a container through the archive API.
func readFile(t *testing.T, cli *client.Client, containerName, file string) string {
	t.Helper()
	rc, _, err := cli.CopyFromContainer(context.Background(), containerName, file)
	if err != nil {
		t.Fatalf("reading %s from %s: %v", file, containerName, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(tr)
	return string(data)
}

// TestAccPlatform_adoptPlatformMadeWorkspace adopts a workspace the platform
// made (record runtime langgraph; container labelled
// molecule.platform.managed=true; volumes with data in /configs and
// /workspace). A plain import id is refused with an error saying the
// container is the platform's and naming the platform:<id> import. The
// platform:<id> import block with -generate-config-out writes config.yaml
// and notes.txt into config_files (not .auth_token); until the sensitive env
// value is filled in by hand the plan refuses to replace; then the apply
// switches the record to external (the plan before it does not warn that
// the platform manages the workspace) and recreates the container with our
// labels on the same two volumes: the files in /configs (the platform's
// token included) and /workspace survive, the API key is in the env, the
// stand-in's sweeps leave it alone, a plan is empty, and destroy removes
// both adopted volumes.
func TestAccPlatform_adoptPlatformMadeWorkspace(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	id := s.AddPlatformWorkspace("fleet-agent")
	name := workspace.ContainerName(id)
	token := s.WorkspaceToken(id)
	platformContainer, workspaceVol := platformMadeWorkspace(t, cli, id, "langgraph", s.URL(), token)
	s.SetStatus(id, "online") // as its runtime's registration would
	configVol := workspace.ConfigVolumeName(id)

	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() {
		for _, v := range []string{configVol, workspaceVol} {
			if exists, _, err := acctest.VolumeExists(cli, v); err != nil || exists {
				t.Errorf("volume %s survived the destroy (err %v)", v, err)
			}
		}
	})
	wd.DestroyOnCleanup()
	provider := platformProvider(s.URL(), standinAdminToken)
	importOf := func(importID string) string {
		return provider + fmt.Sprintf("import {\n  to = molecule_workspace.adopted\n  id = %q\n}\n", importID)
	}

	wd.SetConfig(importOf(id))
	r := wd.Run("plan", "-generate-config-out=plain.tf")
	if r.Err == nil {
		t.Fatalf("a plain import of the platform's container succeeded:\n%s", r.Output())
	}
	expectOutput(t, r, "belongs to the Molecule platform", workspace.LabelPlatformManaged+"=true", `"platform:`+id+`"`)
	_ = os.Remove(filepath.Join(wd.Dir, "plain.tf"))

	wd.SetConfig(importOf("platform:" + id))
	// The plan that generates the configuration already refuses to replace
	// the workspace (env is sensitive, so generated as null); Terraform
	// writes the configuration all the same, for the operator to complete.
	r = wd.Run("plan", "-generate-config-out=generated.tf")
	expectOutput(t, r, "Adoption must not replace the workspace", "env")
	generated, err := os.ReadFile(filepath.Join(wd.Dir, "generated.tf"))
	if err != nil {
		t.Fatalf("no generated configuration: %v\n%s", err, r.Output())
	}
	for _, want := range []string{`"config.yaml"`, `"notes.txt"`} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated configuration lacks %s:\n%s", want, generated)
		}
	}
	if strings.Contains(string(generated), workspace.AuthTokenFile) || strings.Contains(string(generated), token) {
		t.Errorf("generated configuration shows the token:\n%s", generated)
	}
	if r.Err == nil {
		t.Errorf("plan with the sensitive env left null did not refuse:\n%s", r.Output())
	}

	envLine := regexp.MustCompile(`(?m)^\s*env\s*=.*$`)
	if !envLine.Match(generated) {
		t.Fatalf("no env line in:\n%s", generated)
	}
	filled := envLine.ReplaceAll(generated, []byte(`  env = { MY_API_KEY = "sk-platform-made" }`))
	if err := os.WriteFile(filepath.Join(wd.Dir, "generated.tf"), filled, 0o600); err != nil {
		t.Fatal(err)
	}
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "will be adopted from the platform", "1 to import, 0 to add, 1 to change, 0 to destroy")
	// The record is still langgraph, but this apply switches it to external.
	expectNoOutput(t, plan, "The platform manages this workspace")
	wd.MustRun("apply", "-auto-approve")

	if rec, _ := s.Record(id); rec.Runtime != "external" {
		t.Errorf("platform record runtime %q after adoption, want external", rec.Runtime)
	}
	info := acctest.MustInspect(t, cli, id)
	if info.ID == platformContainer {
		t.Fatal("the platform's container was kept")
	}
	if !workspace.IsOwned(info.Config.Labels, id) || workspace.IsPlatformManaged(info.Config.Labels) {
		t.Errorf("labels after adoption %v: want ours, without %s", info.Config.Labels, workspace.LabelPlatformManaged)
	}
	mounts := map[string]string{}
	for _, m := range info.Mounts {
		mounts[m.Destination] = m.Name
	}
	if mounts["/configs"] != configVol || mounts["/workspace"] != workspaceVol {
		t.Errorf("mounts %v, want /configs=%s /workspace=%s", mounts, configVol, workspaceVol)
	}
	expectEnv(t, info.Config.Env, "MY_API_KEY", "sk-platform-made")
	for file, want := range map[string]string{
		"/configs/notes.txt":                  "kept by the platform\n",
		"/configs/" + workspace.AuthTokenFile: token,
		"/workspace/data.txt":                 "work in progress\n",
		"/configs/config.yaml":                acctest.MinimalConfigYAML("platform-made"),
	} {
		if got := readFile(t, cli, name, file); got != want {
			t.Errorf("%s after adoption = %q, want %q", file, got, want)
		}
	}
	if !info.State.Running {
		t.Error("the adopted workspace does not run")
	}
	stillThere(t, cli, id, 3*time.Second)
	if removed := s.Removed(); len(removed) != 0 {
		t.Errorf("the stand-in removed %v", removed)
	}
	ws := singleWorkspace(t, wd)
	if ws.String("config_volume") != configVol || ws.String("workspace_volume") != workspaceVol {
		t.Errorf("state volumes %s, %s", ws.String("config_volume"), ws.String("workspace_volume"))
	}
	expectPlanExitCode(t, wd, 0)
	_ = platformstandin.ContainerName
}

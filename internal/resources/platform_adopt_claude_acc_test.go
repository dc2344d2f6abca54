// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// TestAccPlatform_adoptClaudeCodeThenReplace adopts a claude-code workspace
// the platform made, with its three volumes (configs, workspace, and
// ws-<id12>-claude-sessions at /root/.claude/sessions), each holding data.
// After the adoption apply the container carries our labels (not the
// platform's), mounts the same three volumes and the data in each survives.
// Then an env change with keep_volumes = true replaces the workspace: the
// new container (another id) mounts the same three adopted volumes, the
// data survives again and the platform's sweeps leave it alone; a plan is
// empty. Then, with keep_volumes = false, another env change replaces it
// again: the adopted volumes are removed (so the first replacement still
// recorded them as adopted) and the new container gets this provider's own
// labelled volumes; a plan is empty; destroy removes them all.
func TestAccPlatform_adoptClaudeCodeThenReplace(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	id := s.AddPlatformWorkspace("claude-agent")
	token := s.WorkspaceToken(id)
	platformContainer, workspaceVol := platformMadeWorkspace(t, cli, id, workspace.ClaudeCodeRuntime, s.URL(), token)
	s.SetStatus(id, "online")
	volumes := map[string]string{
		"/configs":                   workspace.ConfigVolumeName(id),
		"/workspace":                 workspaceVol,
		workspace.ClaudeSessionsPath: workspace.SessionsVolumeName(id),
	}
	data := map[string]string{
		"/configs/notes.txt":                           "kept by the platform\n",
		"/configs/" + workspace.AuthTokenFile:          token,
		"/workspace/data.txt":                          "work in progress\n",
		workspace.ClaudeSessionsPath + "/session.json": `{"session":"kept"}`,
	}

	wd := acctest.NewWorkdir(t)
	wd.DestroyOnCleanup()
	wd.SetConfig(platformProvider(s.URL(), standinAdminToken) + fmt.Sprintf("import {\n  to = molecule_workspace.adopted\n  id = %q\n}\n", "platform:"+id))
	wd.Run("plan", "-generate-config-out=generated.tf") // refuses until env is filled in
	generated := filepath.Join(wd.Dir, "generated.tf")
	body, err := os.ReadFile(generated)
	if err != nil {
		t.Fatalf("no generated configuration: %v", err)
	}
	set := func(attr, line string) {
		t.Helper()
		re := regexp.MustCompile(`(?m)^\s*` + attr + `\s*=.*$`)
		if !re.Match(body) {
			t.Fatalf("no %s line in:\n%s", attr, body)
		}
		body = re.ReplaceAll(body, []byte("  "+line))
		if err := os.WriteFile(generated, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set("env", `env = { MY_API_KEY = "sk-platform-made" }`)
	if got := string(body); !regexp.MustCompile(`runtime\s*=\s*"claude-code"`).MatchString(got) {
		t.Fatalf("the import did not read the runtime as claude-code:\n%s", got)
	}
	wd.MustRun("apply", "-auto-approve")

	if rec, _ := s.Record(id); rec.Runtime != "external" {
		t.Errorf("platform record runtime %q after adoption, want external", rec.Runtime)
	}
	adopted := expectAdoptedVolumes(t, cli, id, volumes, data)
	if adopted == platformContainer {
		t.Fatal("the platform's container was kept")
	}

	// Replace (env forces it), keeping the adopted volumes: keep_volumes
	// is applied first, since a destroy follows the state's setting.
	set("keep_volumes", "keep_volumes = true")
	wd.MustRun("apply", "-auto-approve")
	set("env", `env = { MY_API_KEY = "sk-rotated" }`)
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "must be replaced", "1 to add, 0 to change, 1 to destroy")
	wd.MustRun("apply", "-auto-approve")
	replaced := expectAdoptedVolumes(t, cli, id, volumes, data)
	if replaced == adopted {
		t.Error("the env change did not replace the container")
	}
	expectEnv(t, acctest.MustInspect(t, cli, id).Config.Env, "MY_API_KEY", "sk-rotated")
	stillThere(t, cli, id, 3*time.Second)
	if removed := s.Removed(); len(removed) != 0 {
		t.Errorf("the stand-in removed %v", removed)
	}
	if ws := singleWorkspace(t, wd); ws.String("workspace_volume") != workspaceVol {
		t.Errorf("state workspace_volume %q after the replacement, want %s", ws.String("workspace_volume"), workspaceVol)
	}
	expectPlanExitCode(t, wd, 0)

	// Without keep_volumes a replacement removes the adopted volumes (the
	// replacement above still records them as adopted, or they would block
	// the create) and makes this provider's own.
	set("keep_volumes", "keep_volumes = false")
	wd.MustRun("apply", "-auto-approve")
	set("env", `env = { MY_API_KEY = "sk-rotated-again" }`)
	wd.MustRun("apply", "-auto-approve")
	if exists, _, err := acctest.VolumeExists(cli, workspaceVol); err != nil || exists {
		t.Errorf("adopted volume %s survived a replacement without keep_volumes (err %v)", workspaceVol, err)
	}
	ours := []string{workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id), workspace.SessionsVolumeName(id)}
	for _, v := range ours {
		if exists, labels, err := acctest.VolumeExists(cli, v); err != nil || !exists || !workspace.IsOwned(labels, id) {
			t.Errorf("volume %s after the replacement: exists %t, labels %v (err %v); want this provider's", v, exists, labels, err)
		}
	}
	expectPlanExitCode(t, wd, 0)
	wd.MustRun("destroy", "-auto-approve")
	for _, v := range append(ours, workspaceVol) {
		if exists, _, err := acctest.VolumeExists(cli, v); err != nil || exists {
			t.Errorf("volume %s survived the destroy (err %v)", v, err)
		}
	}
}

// expectAdoptedVolumes checks the workspace's container: ours (not the
// platform's), running, mounting each path's volume, with the data in them.
// It returns the container's id.
func expectAdoptedVolumes(t *testing.T, cli *client.Client, id string, volumes, data map[string]string) string {
	t.Helper()
	info := acctest.MustInspect(t, cli, id)
	if !workspace.IsOwned(info.Config.Labels, id) || workspace.IsPlatformManaged(info.Config.Labels) {
		t.Errorf("labels %v: want ours, without %s", info.Config.Labels, workspace.LabelPlatformManaged)
	}
	if !info.State.Running {
		t.Error("the adopted workspace does not run")
	}
	mounts := map[string]string{}
	for _, m := range info.Mounts {
		mounts[m.Destination] = m.Name
	}
	for dest, v := range volumes {
		if mounts[dest] != v {
			t.Errorf("%s mounts %q, want %s (all mounts %v)", dest, mounts[dest], v, mounts)
		}
	}
	for file, want := range data {
		if got := readFile(t, cli, workspace.ContainerName(id), file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	return info.ID
}

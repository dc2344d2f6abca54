// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	"github.com/molecule-ai/terraform-provider-molecule/tests/platformstandin"
)

const standinAdminToken = "tfacc-admin-token"

// startPlatform starts a stand-in platform whose sweeps act on the main engine.
func startPlatform(t *testing.T, cli *client.Client) *platformstandin.Server {
	t.Helper()
	s, err := platformstandin.Start(platformstandin.Options{AdminToken: standinAdminToken, Docker: cli})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// platformProvider is the provider block for a stand-in platform at url.
func platformProvider(url, adminToken string) string {
	return acctest.ProviderConfig(fmt.Sprintf("platform_url = %q", url), fmt.Sprintf("platform_admin_token = %q", adminToken))
}

// wiredFleetConfig is one platform record and the workspace that runs it.
func wiredFleetConfig(url, adminToken, name string, running, keepVolumes bool) string {
	return platformProvider(url, adminToken) + fmt.Sprintf(`
resource "molecule_platform_workspace" "agent" {
  name = %[1]q
  role = "writer"
}

resource "molecule_workspace" "agent" {
  workspace_id              = molecule_platform_workspace.agent.id
  name                      = %[1]q
  config_files              = { "config.yaml" = %[2]q }
  platform_token_wo         = molecule_platform_workspace.agent.auth_token
  platform_token_wo_version = 1
  running                   = %[3]t
  keep_volumes              = %[4]t
}
`, name, acctest.MinimalConfigYAML(name), running, keepVolumes)
}

// recordID is the platform id in state.
func recordID(t *testing.T, wd *acctest.Workdir) string {
	t.Helper()
	insts := wd.StateInstances("molecule_platform_workspace")
	if len(insts) != 1 || insts[0].String("id") == "" {
		t.Fatalf("state holds %d platform workspaces, want 1 with an id", len(insts))
	}
	return insts[0].String("id")
}

// expectOutput fails unless the terraform output holds every part.
func expectOutput(t *testing.T, r acctest.TFResult, parts ...string) {
	t.Helper()
	out := strings.Join(strings.Fields(r.Output()), " ")
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Errorf("terraform %s output lacks %q:\n%s", strings.Join(r.Args, " "), p, r.Output())
		}
	}
}

// expectNoOutput fails when the terraform output holds any of the parts.
func expectNoOutput(t *testing.T, r acctest.TFResult, parts ...string) {
	t.Helper()
	out := strings.Join(strings.Fields(r.Output()), " ")
	for _, p := range parts {
		if strings.Contains(out, p) {
			t.Errorf("terraform %s output shows %q:\n%s", strings.Join(r.Args, " "), p, r.Output())
		}
	}
}

// stillThere fails when the container does not exist for the whole watch.
func stillThere(t *testing.T, cli *client.Client, id string, watch time.Duration) {
	t.Helper()
	for end := time.Now().Add(watch); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if _, err := acctest.InspectContainer(cli, id); err != nil {
			t.Fatalf("container of workspace %s vanished: %v", id, err)
		}
	}
}

// waitGone waits until the container is gone.
func waitGone(t *testing.T, cli *client.Client, id string, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if _, err := acctest.InspectContainer(cli, id); cerrdefs.IsNotFound(err) {
			return
		}
	}
	t.Fatalf("container %s still exists after %s", workspace.ContainerName(id), within)
}

// register does what the runtime does at start: POST /registry/register.
func register(t *testing.T, s *platformstandin.Server, id string) {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"url":"http://localhost:8000","agent_card":{}}`, id)
	resp, err := http.Post(s.URL()+"/registry/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("register %s: %d", id, resp.StatusCode)
	}
}

// deleteRecord deletes a record in the platform, as its UI or API would.
func deleteRecord(t *testing.T, s *platformstandin.Server, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, s.URL()+"/workspaces/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+standinAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("DELETE %s: %d", id, resp.StatusCode)
	}
}

// TestAccPlatform_wiredRecordRunsWorkspace: a molecule_platform_workspace
// wired to a molecule_workspace through the terraform binary. The record is
// external in the platform; the workspace serves; /configs/.auth_token holds
// the record's token with mode 0600 (owner 1000) while the workspace's state
// has no token (platform_token_wo null, the token nowhere in its attributes;
// the record's own auth_token is kept in state by design) and neither the
// apply output nor its TF_LOG=TRACE log shows it. running = false leaves the
// stopped container alone for 8 s of platform sweeps (every second). A status
// of failed, then offline, in the platform and keep_volumes = true give plan
// warnings naming the workspace. Destroy removes container, volumes and record.
func TestAccPlatform_wiredRecordRunsWorkspace(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	wd := acctest.NewWorkdir(t)
	var id string
	t.Cleanup(func() {
		if id == "" {
			return
		}
		if err := acctest.NothingLeft(cli, id); err != nil {
			t.Error(err)
		}
		if rec, _ := s.Record(id); rec.Status != "removed" {
			t.Errorf("after destroy the platform record is %q, want removed", rec.Status)
		}
	})
	wd.DestroyOnCleanup()

	logFile := filepath.Join(t.TempDir(), "trace.log")
	wd.Setenv("TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	wd.SetConfig(wiredFleetConfig(s.URL(), standinAdminToken, "wired", true, false))
	applied := wd.MustRun("apply", "-auto-approve")
	id = recordID(t, wd)
	rec, _ := s.Record(id)
	if rec.Runtime != "external" || rec.Name != "wired" || rec.Role != "writer" {
		t.Errorf("platform record %+v, want external, wired, writer", rec)
	}
	token := s.WorkspaceToken(id)
	if token == "" {
		t.Fatal("the stand-in holds no token for the record")
	}
	ws := singleWorkspace(t, wd)
	if ws.String("workspace_id") != id {
		t.Fatalf("workspace_id %q, want the record's id %q", ws.String("workspace_id"), id)
	}
	if _, err := acctest.WaitHTTP(ws.String("host_url")+workspace.DefaultReadyPath, 30*time.Second); err != nil {
		t.Errorf("workspace does not serve: %v", err)
	}
	files, err := acctest.ReadConfigs(cli, id)
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := files[workspace.AuthTokenFile]
	if !ok || string(tok.Content) != token || tok.Mode != 0o600 || tok.UID != workspace.ConfigOwnerUID || tok.Type != tar.TypeReg {
		t.Errorf("/configs/.auth_token = %+v (present %t), want the record's token, mode 0600, owner %d", tok, ok, workspace.ConfigOwnerUID)
	}
	if v, present := ws.Attributes["platform_token_wo"]; !present || v != nil {
		t.Errorf("state platform_token_wo = %v (present %t), want null", v, present)
	}
	if strings.Contains(fmt.Sprint(ws.Attributes), token) {
		t.Error("the token appears among the workspace's state attributes")
	}
	expectAbsent(t, "apply output", applied.Output(), token)
	trace, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(trace), "platform token written") {
		t.Fatalf("the TRACE log (err %v) lacks the provider's \"platform token written\": the search below would prove nothing", err)
	}
	expectAbsent(t, "TF_LOG=TRACE log", string(trace), token)
	expectPlanExitCode(t, wd, 0)

	// The platform reports the workspace failed: the plan says so.
	s.SetStatus(id, "failed")
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "Platform reports the workspace failed", id)
	// And offline (heartbeats lapsed): the plan says that too.
	s.SetStatus(id, "offline")
	plan = wd.MustRun("plan")
	expectOutput(t, plan, "Platform reports the workspace offline", id)
	expectNoOutput(t, plan, "Platform reports the workspace failed")
	s.SetStatus(id, "online")

	// Stopped by Terraform, an external workspace is left alone.
	wd.SetConfig(wiredFleetConfig(s.URL(), standinAdminToken, "wired", false, false))
	wd.MustRun("apply", "-auto-approve")
	if info := acctest.MustInspect(t, cli, id); info.State.Running {
		t.Fatal("running = false left the container running")
	}
	stillThere(t, cli, id, 8*time.Second)
	if removed := s.Removed(); len(removed) != 0 {
		t.Errorf("the stand-in removed %v", removed)
	}

	// keep_volumes with a platform record: a warning.
	wd.SetConfig(wiredFleetConfig(s.URL(), standinAdminToken, "wired", false, true))
	plan = wd.MustRun("plan")
	expectOutput(t, plan, "Kept volumes go with the platform record", id, workspace.ContainerName(id)+"-configs")
	wd.SetConfig(wiredFleetConfig(s.URL(), standinAdminToken, "wired", false, false))
}

// TestAccPlatform_sweepRemovesUnrecordedWorkspace is the same stop without a
// record: the plan warns that the workspace is unknown to the platform; once
// the runtime registered (the test does it in the runtime's place, since the
// stand-in agent does not), the platform holds a non-external record and the
// plan warns that it manages the workspace; then running = false stops the
// container and the stand-in force-removes it within seconds. The next plan
// re-creates it.
func TestAccPlatform_sweepRemovesUnrecordedWorkspace(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	id := platformstandin.NewUUID()
	name := workspace.ContainerName(id)
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() {
		if err := acctest.RemoveVolumes(cli, workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id)); err != nil {
			t.Error(err)
		}
		if err := acctest.NothingLeft(cli, id); err != nil {
			t.Error(err)
		}
	})
	wd.DestroyOnCleanup()
	config := func(running bool) string {
		return platformProvider(s.URL(), standinAdminToken) + fmt.Sprintf(`
resource "molecule_workspace" "agent" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
  running      = %t
}
`, id, acctest.MinimalConfigYAML("unrecorded"), running)
	}
	wd.SetConfig(config(true))
	applied := wd.MustRun("apply", "-auto-approve")
	expectOutput(t, applied, "Workspace unknown to the platform", id)

	register(t, s, id)
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "The platform manages this workspace", id, `runtime "langgraph"`)

	// The stand-in may remove the stopped container before the apply has
	// looked at it again: then the apply fails saying so.
	wd.SetConfig(config(false))
	if r := wd.Run("apply", "-auto-approve"); r.Err != nil {
		expectOutput(t, r, "was removed by someone else right after it stopped")
	}
	waitGone(t, cli, id, 10*time.Second)
	if removed := s.Removed(); len(removed) == 0 || removed[0] != name {
		t.Errorf("stand-in removed %v, want %s", removed, name)
	}
	expectPlanExitCode(t, wd, 2)
}

// TestAccPlatform_recordDeletedIsRecreated deletes the record in the
// platform (which also removes the container and config volume, as the
// platform does): the plan creates a new record and a workspace for it,
// and the apply brings it up under the new id.
func TestAccPlatform_recordDeletedIsRecreated(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	wd := acctest.NewWorkdir(t)
	var ids []string
	t.Cleanup(func() {
		for _, id := range ids {
			_ = acctest.RemoveVolumes(cli, workspace.WorkspaceVolumeName(id))
			if err := acctest.NothingLeft(cli, id); err != nil {
				t.Error(err)
			}
		}
	})
	wd.DestroyOnCleanup()
	wd.SetConfig(wiredFleetConfig(s.URL(), standinAdminToken, "deleted", true, false))
	wd.MustRun("apply", "-auto-approve")
	first := recordID(t, wd)
	ids = append(ids, first)

	deleteRecord(t, s, first)
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "molecule_platform_workspace.agent will be created", "molecule_workspace.agent will be created")
	wd.MustRun("apply", "-auto-approve")
	second := recordID(t, wd)
	ids = append(ids, second)
	if second == first {
		t.Fatal("the re-created record kept the deleted id")
	}
	if rec, _ := s.Record(second); rec.Runtime != "external" {
		t.Errorf("re-created record runtime %q", rec.Runtime)
	}
	if info := acctest.MustInspect(t, cli, second); !info.State.Running {
		t.Error("the workspace of the re-created record does not run")
	}
	expectPlanExitCode(t, wd, 0)
}

// TestAccPlatform_platformDownWarns: with the platform unreachable the plan
// and apply warn, naming the workspace, and the workspace is made anyway.
func TestAccPlatform_platformDownWarns(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, nil)
	deadURL := s.URL()
	s.Close()
	id := acctest.RandomID("pdown")
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() {
		if err := acctest.NothingLeft(cli, id); err != nil {
			t.Error(err)
		}
	})
	wd.DestroyOnCleanup()
	wd.SetConfig(platformProvider(deadURL, standinAdminToken) + fmt.Sprintf(`
resource "molecule_workspace" "agent" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("down")))
	applied := wd.MustRun("apply", "-auto-approve")
	expectOutput(t, applied, "Molecule platform unreachable", id, deadURL)
	if info := acctest.MustInspect(t, cli, id); !info.State.Running {
		t.Error("the workspace does not run")
	}
}

// TestAccPlatform_badAdminTokenCreatesNothing: a wrong admin token fails the
// apply with an error naming the platform URL and the platform's answer, and
// nothing is created: no record in the platform, nothing in state (the
// workspace depends on the record's id, so it is never attempted).
func TestAccPlatform_badAdminTokenCreatesNothing(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	wd := acctest.NewWorkdir(t)
	wd.DestroyOnCleanup()
	wd.SetConfig(wiredFleetConfig(s.URL(), "not-the-admin-token", "badtoken", true, false))
	r := wd.Run("apply", "-auto-approve")
	if r.Err == nil {
		t.Fatalf("apply with a wrong admin token succeeded:\n%s", r.Output())
	}
	expectOutput(t, r, s.URL(), "invalid admin auth token", "platform_admin_token")
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/workspaces", nil)
	req.Header.Set("Authorization", "Bearer "+standinAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("the platform holds records after the failed apply: %s", buf.String())
	}
	if n := len(wd.StateInstances("molecule_workspace")) + len(wd.StateInstances("molecule_platform_workspace")); n != 0 {
		t.Errorf("state holds %d resources after the failed apply", n)
	}
}

// TestAccImport_generateConfigRoundTrip makes a workspace with two config
// files in one working directory, then adopts it in another through an
// import block and terraform plan -generate-config-out: the generated
// configuration holds both files (and not .auth_token), and planning it
// imports with no replacement and no change. The generated configuration
// without config_files then plans and applies without "No config.yaml
// source" (the config volume holds one), and the next plan is empty.
func TestAccImport_generateConfigRoundTrip(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	id := acctest.RandomID("gencfg")
	maker := acctest.NewWorkdir(t)
	maker.SetConfig(acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "made" {
  workspace_id              = %q
  config_files              = { "config.yaml" = %q, "prompts/system.md" = "be brief\n" }
  platform_token_wo         = "tok-%s"
  platform_token_wo_version = 3
}
`, id, acctest.MinimalConfigYAML("gencfg"), id))
	maker.DestroyOnCleanup() // a no-op once the workspace is handed over
	maker.MustRun("apply", "-auto-approve")
	maker.MustRun("state", "rm", "molecule_workspace.made") // handed over below

	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() {
		if err := acctest.NothingLeft(cli, id); err != nil {
			t.Error(err)
		}
	})
	wd.DestroyOnCleanup()
	importBlock := acctest.ProviderConfig() + fmt.Sprintf(`
import {
  to = molecule_workspace.imported
  id = %q
}
`, id)
	wd.SetConfig(importBlock)
	wd.MustRun("plan", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(wd.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"config.yaml"`, `"prompts/system.md"`, "platform_token_wo_version = 3"} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated configuration lacks %s:\n%s", want, generated)
		}
	}
	if strings.Contains(string(generated), "auth_token") || strings.Contains(string(generated), "tok-"+id) {
		t.Errorf("generated configuration shows the token file:\n%s", generated)
	}
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "1 to import, 0 to add, 0 to change, 0 to destroy")

	// Without config_files the existing volume is the source: no error.
	withoutFiles := regexp.MustCompile(`(?s)\n  config_files\s*=\s*\{.*?\n  \}\n`).ReplaceAllString(string(generated), "\n")
	if withoutFiles == string(generated) {
		t.Fatalf("could not drop config_files from:\n%s", generated)
	}
	if err := os.WriteFile(filepath.Join(wd.Dir, "generated.tf"), []byte(withoutFiles), 0o600); err != nil {
		t.Fatal(err)
	}
	plan = wd.MustRun("plan")
	if strings.Contains(plan.Output(), "No config.yaml source") || strings.Contains(plan.Output(), "must be replaced") {
		t.Errorf("plan without config_files:\n%s", plan.Output())
	}
	wd.MustRun("apply", "-auto-approve")
	expectPlanExitCode(t, wd, 0)
	if info := acctest.MustInspect(t, cli, id); !info.State.Running {
		t.Error("the imported workspace does not run")
	}
}

// TestAccExamplePlatformFleet_appliesAndDestroys applies examples/platform-fleet
// against the stand-in platform: two external records (the researcher's
// parent_id is the lead's id), two serving workspaces whose /configs/.auth_token
// holds their record's token with mode 0600; a second plan is empty; destroy
// removes containers, volumes and network, and the records read removed. A
// plan makes exactly one platform GET per record and per workspace.
func TestAccExamplePlatformFleet_appliesAndDestroys(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	s := startPlatform(t, cli)
	netName := "tfacc-pfleet-" + strings.TrimPrefix(acctest.RandomID("x"), acctest.IDPrefix)[:7]
	tf := acctest.NewExampleWorkdir(t, "platform-fleet")
	var ids map[string]string
	t.Cleanup(func() {
		if r := tf.Run("destroy", "-auto-approve"); r.Err != nil {
			t.Errorf("destroy: %s", r)
		}
		for _, id := range ids {
			if err := acctest.NothingLeft(cli, id); err != nil {
				t.Errorf("after destroy: %v", err)
			}
			if rec, _ := s.Record(id); rec.Status != "removed" {
				t.Errorf("record %s after destroy: status %q, want removed", id, rec.Status)
			}
		}
		if err := networkGone(cli, netName); err != nil {
			t.Errorf("after destroy: %v", err)
		}
	})
	images := map[string]string{}
	for _, rt := range workspace.KnownRuntimes() {
		images[rt] = acctest.StandinImage(rt)
	}
	tf.WriteVars(map[string]any{
		"platform_url":         s.URL(),
		"platform_admin_token": standinAdminToken,
		"network":              netName,
		"runtime_images":       images,
	})
	tf.MustRun("apply", "-auto-approve")
	tf.OutputJSON("workspace_ids", &ids)
	if len(ids) != 2 {
		t.Fatalf("workspace_ids %v, want lead and researcher", ids)
	}
	for key, id := range ids {
		rec, ok := s.Record(id)
		if !ok || rec.Runtime != "external" {
			t.Errorf("%s: record %+v, want external", key, rec)
		}
		info := acctest.MustInspect(t, cli, id)
		if !info.State.Running {
			t.Errorf("%s: workspace does not run", key)
		}
		files, err := acctest.ReadConfigs(cli, id)
		if err != nil {
			t.Fatal(err)
		}
		if tok := files[workspace.AuthTokenFile]; string(tok.Content) != s.WorkspaceToken(id) || tok.Mode != 0o600 {
			t.Errorf("%s: /configs/.auth_token mode %o does not hold the record's token", key, tok.Mode)
		}
	}
	if rec, _ := s.Record(ids["researcher"]); rec.ParentID == nil || *rec.ParentID != ids["lead"] {
		t.Errorf("researcher's parent_id %v, want the lead's id %s", rec.ParentID, ids["lead"])
	}
	// One GET per workspace and per record: the refresh of the two records
	// and the plan-time look at the two workspaces.
	before := s.Gets()
	expectPlanExitCode(t, tf, 0)
	if got := s.Gets() - before; got != 4 {
		t.Errorf("a plan of 2 records and 2 workspaces made %d GET /workspaces/:id, want 4", got)
	}
}

// TestAccPlatform_recordCorrectedAndImported runs molecule_platform_workspace
// against a stand-in that stores every create as runtime langgraph: the
// apply reads the record back and PATCHes it to external. A name, role and
// runtime changed in the platform plan an in-place update (no replacement)
// that sets them back. Removed from state and imported by id (import block),
// the record plans no change.
func TestAccPlatform_recordCorrectedAndImported(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	s, err := platformstandin.Start(platformstandin.Options{AdminToken: standinAdminToken, StoreRuntimeAs: "langgraph"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	wd := acctest.NewWorkdir(t)
	wd.DestroyOnCleanup()
	config := platformProvider(s.URL(), standinAdminToken) + `
resource "molecule_platform_workspace" "rec" {
  name = "corrected"
  role = "reviewer"
}
`
	wd.SetConfig(config)
	wd.MustRun("apply", "-auto-approve")
	id := recordID(t, wd)
	if rec, _ := s.Record(id); rec.Runtime != "external" {
		t.Fatalf("record stored as %q and not corrected", rec.Runtime)
	}
	if got := wd.StateInstances("molecule_platform_workspace")[0].String("runtime"); got != "external" {
		t.Errorf("state runtime %q, want external", got)
	}

	name, role, runtime := "renamed-in-ui", "other", "langgraph"
	s.Update(id, &name, &role, &runtime)
	plan := wd.MustRun("plan")
	expectOutput(t, plan, "molecule_platform_workspace.rec will be updated in-place", "0 to add, 1 to change, 0 to destroy")
	wd.MustRun("apply", "-auto-approve")
	if rec, _ := s.Record(id); rec.Name != "corrected" || rec.Role != "reviewer" || rec.Runtime != "external" {
		t.Errorf("record after apply %+v, want corrected, reviewer, external", rec)
	}
	if recordID(t, wd) != id {
		t.Error("the update replaced the record")
	}

	wd.MustRun("state", "rm", "molecule_platform_workspace.rec")
	wd.SetConfig(config + fmt.Sprintf("import {\n  to = molecule_platform_workspace.rec\n  id = %q\n}\n", id))
	plan = wd.MustRun("plan")
	expectOutput(t, plan, "1 to import, 0 to add, 0 to change, 0 to destroy")
	wd.MustRun("apply", "-auto-approve")
	wd.SetConfig(config)
	expectPlanExitCode(t, wd, 0)
}

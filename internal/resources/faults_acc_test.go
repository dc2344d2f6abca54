// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Tests that stop or restart an engine do it to an engine of their own
// (acctest.StartExtraEngine), never to the main engine or the --second
// engine, which other tests share; so they can run in parallel with them.

// fleetConfig is n workspaces (for_each over ids) on the given engine host.
func fleetConfig(host string, ids []string, env string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return acctest.ProviderConfig(fmt.Sprintf("host = %q", host)) + fmt.Sprintf(`
resource "molecule_workspace" "fleet" {
  for_each     = toset([%s])
  workspace_id = each.value
  config_files = { "config.yaml" = "name: fleet\n" }
  env          = { %s }
}
`, strings.Join(quoted, ", "), env)
}

func randomIDs(n int, suffix string) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = acctest.RandomID(fmt.Sprintf("%s%02d", suffix, i))
	}
	return ids
}

// TestAccFaults_engineDownAtPlanAndApply stops the engine before a plan, and
// between a saved plan and its apply: both fail with an error naming the
// engine's host and change nothing; once the engine is back, the next apply
// converges.
func TestAccFaults_engineDownAtPlanAndApply(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	engine := acctest.StartExtraEngine(t, acctest.ExtraEngineOptions{})
	cli := engine.Client()
	ids := randomIDs(2, "down")
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() { expectNothingLeft(t, cli, ids...) })
	wd.DestroyOnCleanup()
	unreachable := acctest.MessageRegexp("Docker engine unreachable", engine.Host+" does not answer")

	wd.SetConfig(fleetConfig(engine.Host, ids[:1], ""))
	wd.MustRun("apply", "-auto-approve")

	engine.Stop()
	r := wd.Run("plan")
	if r.Err == nil || !unreachable.MatchString(r.Output()) {
		t.Fatalf("plan with the engine down: want an error naming %s\n%s", engine.Host, r)
	}
	engine.Start()

	wd.SetConfig(fleetConfig(engine.Host, ids, ""))
	wd.MustRun("plan", "-out=tfplan")
	engine.Stop()
	r = wd.Run("apply", "tfplan")
	if r.Err == nil || !unreachable.MatchString(r.Output()) {
		t.Fatalf("apply of a saved plan with the engine down: want an error naming %s\n%s", engine.Host, r)
	}
	if n := len(wd.StateInstances("molecule_workspace")); n != 1 {
		t.Errorf("the failed apply changed the state: %d workspaces, want 1", n)
	}
	engine.Start()

	wd.MustRun("apply", "-auto-approve")
	expectFleet(t, wd, cli, ids)
	expectPlanExitCode(t, wd, 0)
}

// TestAccFaults_engineRestartDuringApply restarts the engine while 20
// workspaces are being created. The apply fails; the next one converges to
// exactly 20 containers, one per workspace, and at most 40 volumes, all
// mounted by their workspace's container (counted by ownership labels), and
// a plan after it shows no changes.
func TestAccFaults_engineRestartDuringApply(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	engine := acctest.StartExtraEngine(t, acctest.ExtraEngineOptions{})
	cli := engine.Client()
	ids := randomIDs(20, "rst")
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() { expectNothingLeft(t, cli, ids...) })
	wd.DestroyOnCleanup()
	// A slow agent keeps creates in flight long enough to be cut.
	wd.SetConfig(fleetConfig(engine.Host, ids, `STANDIN_STARTUP_DELAY_MS = "1500"`))

	start := time.Now()
	run := wd.Start("apply", "-auto-approve")
	waitFor(t, 60*time.Second, "a third of the containers to exist", func() bool {
		return len(ownedContainers(t, cli, ids)) >= len(ids)/3
	})
	before := len(ownedContainers(t, cli, ids))
	engine.Restart()
	first := run.Wait()
	t.Logf("engine restarted with %d of %d containers made; first apply: err=%v after %s", before, len(ids), first.Err, first.Took.Round(time.Millisecond))
	if first.Err == nil {
		t.Logf("note: the first apply survived the restart:\n%s", first.Output())
	}
	inState := len(wd.StateInstances("molecule_workspace"))

	second := wd.MustRun("apply", "-auto-approve")
	t.Logf("second apply converged in %s (%d workspaces were in state after the restart)", second.Took.Round(time.Millisecond), inState)
	expectFleet(t, wd, cli, ids)
	expectPlanExitCode(t, wd, 0)
	t.Logf("engine restart mid-apply of %d workspaces survived in %s", len(ids), time.Since(start).Round(time.Second))
}

// TestAccFaults_interruptedApply sends SIGINT (Ctrl-C) to terraform while
// the workspaces are being created, with the agents still starting: every
// container and volume made is in the state, or gone; the next apply
// converges.
func TestAccFaults_interruptedApply(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	ids := randomIDs(3, "int")
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() { expectNothingLeft(t, cli, ids...) })
	wd.DestroyOnCleanup()
	wd.SetConfig(fleetConfig(docker.ResolveHost(""), ids, `STANDIN_STARTUP_DELAY_MS = "5000"`))

	run := wd.Start("apply", "-auto-approve")
	waitFor(t, 60*time.Second, "the containers to exist", func() bool {
		return len(ownedContainers(t, cli, ids)) == len(ids)
	})
	if err := run.Interrupt(); err != nil {
		t.Fatal(err)
	}
	r := run.Wait()
	if r.Err == nil {
		t.Fatalf("the interrupted apply succeeded; the agents must still have been starting:\n%s", r)
	}
	if r.Took > 30*time.Second {
		t.Errorf("the interrupted apply took %s: cancellation did not reach the provider", r.Took)
	}
	expectStateMatchesEngine(t, wd, cli, ids)

	wd.MustRun("apply", "-auto-approve")
	expectFleet(t, wd, cli, ids)
}

// TestAccFaults_createCancelledAtEachStep drives the Docker backend directly and
// cancels its context at every milestone of a create (as Terraform does on
// Ctrl-C): what the cancelled create made is either returned for the state
// or removed.
func TestAccFaults_createCancelledAtEachStep(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	engine, err := docker.NewEngine(docker.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	for _, step := range []string{"volume ready", "container created", "config files copied", "container started", "waiting for workspace to serve"} {
		t.Run(strings.ReplaceAll(step, " ", "_"), func(t *testing.T) {
			t.Parallel()
			id := acctest.RandomID("cancel")
			t.Cleanup(func() { expectNothingLeft(t, cli, id) })
			spec := workspace.WorkspaceSpec{
				WorkspaceID: id, Name: id, Runtime: "langgraph", Image: acctest.StandinImage("langgraph"),
				Tier: 2, Network: acctest.Network, Running: true,
				ConfigFiles:  map[string]string{"config.yaml": acctest.MinimalConfigYAML("cancel")},
				Env:          map[string]string{"STANDIN_STARTUP_DELAY_MS": "3000"},
				WaitForReady: true, ReadyTimeout: time.Minute,
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reached := false
			obs, err := engine.Create(ctx, spec, func(_ context.Context, msg string, _ map[string]any) {
				if msg == step && !reached {
					reached = true
					cancel()
				}
			})
			if !reached {
				t.Fatalf("the create never reached %q (err=%v)", step, err)
			}
			if err == nil {
				t.Fatalf("a create cancelled at %q succeeded", step)
			}
			if !obs.Exists {
				// Not recorded: it must all be gone.
				expectNothingLeft(t, cli, id)
				return
			}
			// Recorded (Terraform keeps it, tainted): it must be real, and
			// destroying it must leave nothing.
			info, ierr := cli.ContainerInspect(context.Background(), workspace.ContainerName(id))
			if obs.ContainerID != "" && (ierr != nil || info.ID != obs.ContainerID) {
				t.Errorf("the recorded container %.12s does not exist (%v)", obs.ContainerID, ierr)
			}
			err = engine.Delete(context.Background(), workspace.Removal{
				WorkspaceID: id, ContainerID: obs.ContainerID,
				ConfigVolume: workspace.ConfigVolumeName(id), WorkspaceVolume: obs.WorkspaceVolume,
			}, nil)
			if err != nil {
				t.Fatalf("destroying the recorded workspace: %v", err)
			}
			expectNothingLeft(t, cli, id)
		})
	}
}

// TestAccFaults_removedOutsideTerraform removes a workspace's container with
// one volume, then the other, behind Terraform's back: each plan shows the
// workspace gone and re-created, and each apply restores container and both
// volumes.
func TestAccFaults_removedOutsideTerraform(t *testing.T) {
	id := acctest.RandomID("gone")
	cli := acctest.Docker(t)
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "gone" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("gone"))
	removeWith := func(vol string) func() {
		return func() {
			ctx := context.Background()
			if err := cli.ContainerRemove(ctx, workspace.ContainerName(id), container.RemoveOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			if err := cli.VolumeRemove(ctx, vol, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	restored := func(*terraform.State) error { return expectWorkspaceObjects(cli, id) }
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{Config: cfg, Check: restored},
			{
				PreConfig: removeWith(workspace.WorkspaceVolumeName(id)),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.gone", plancheck.ResourceActionCreate),
				}},
				Check: restored,
			},
			{
				PreConfig: removeWith(workspace.ConfigVolumeName(id)),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.gone", plancheck.ResourceActionCreate),
				}},
				Check: restored,
			},
		},
	})
}

// TestAccFaults_workspacePathDeleted deletes the host directory bound at
// /workspace behind Terraform's back: the plan says so and what to do; after
// recreating the directory, replacing the workspace binds it again. Destroy
// never touches the host directory.
func TestAccFaults_workspacePathDeleted(t *testing.T) {
	id := acctest.RandomID("hostdir")
	cli := acctest.Docker(t)
	dir := filepath.Join(t.TempDir(), "project")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "hostdir" {
  workspace_id   = %q
  workspace_path = %q
  config_files   = { "config.yaml" = %q }
}
`, id, dir, acctest.MinimalConfigYAML("hostdir"))
	var firstContainer string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("destroy touched the host workspace_path: %w", err)
			}
			return acctest.NothingLeft(cli, id)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					info, err := acctest.InspectContainer(cli, id)
					firstContainer = info.ID
					return err
				},
			},
			{
				PreConfig:   func() { _ = os.RemoveAll(dir) },
				Config:      cfg,
				ExpectError: acctest.MessageRegexp("Workspace directory gone", "does not exist on the engine's host", "so it was removed outside Terraform", "terraform apply -replace"),
			},
			{
				PreConfig: func() {
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "marker.txt"), []byte("restored"), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Taint:  []string{"molecule_workspace.hostdir"},
				Config: cfg,
				Check: func(s *terraform.State) error {
					info, err := acctest.InspectContainer(cli, id)
					if err != nil {
						return err
					}
					if info.ID == firstContainer {
						return fmt.Errorf("the workspace was not replaced")
					}
					url := s.RootModule().Resources["molecule_workspace.hostdir"].Primary.Attributes["host_url"]
					code, body, err := acctest.HTTPGet(url + "/files?path=/workspace/marker.txt")
					if err != nil || code != 200 || body != "restored" {
						return fmt.Errorf("the new container does not see the recreated directory: %d %q %v", code, body, err)
					}
					return nil
				},
			},
		},
	})
}

// TestAccFaults_volumeInUseAtDestroy mounts a workspace's volume into a
// container of someone else's before destroy: destroy retries for a bounded
// time, then fails naming that container, which is left untouched. Once it
// is gone, the next apply replaces the half-destroyed workspace and the
// final destroy leaves nothing.
func TestAccFaults_volumeInUseAtDestroy(t *testing.T) {
	id := acctest.RandomID("busy")
	cli := acctest.Docker(t)
	ctx := context.Background()
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "busy" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("busy"))
	foreignName := "foreign-" + id
	var foreignID string
	t.Cleanup(func() { _ = cli.ContainerRemove(ctx, foreignName, container.RemoveOptions{Force: true}) })
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					created, err := cli.ContainerCreate(ctx, &container.Config{Image: acctest.StandinImage("langgraph")}, &container.HostConfig{
						Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: workspace.WorkspaceVolumeName(id), Target: "/data"}},
					}, nil, nil, foreignName)
					if err != nil {
						t.Fatal(err)
					}
					foreignID = created.ID
				},
				Config:      cfg,
				Destroy:     true,
				ExpectError: acctest.MessageRegexp("still in use after 10s by container " + foreignName + " (not managed by this provider)"),
			},
			{
				PreConfig: func() {
					info, err := cli.ContainerInspect(ctx, foreignName)
					if err != nil || info.ID != foreignID || workspace.IsOwned(info.Config.Labels, "") {
						t.Fatalf("the foreign container was touched: %v", err)
					}
					if _, err := cli.VolumeInspect(ctx, workspace.WorkspaceVolumeName(id)); err != nil {
						t.Fatalf("the busy volume was removed: %v", err)
					}
					if err := cli.ContainerRemove(ctx, foreignID, container.RemoveOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.busy", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error { return expectWorkspaceObjects(cli, id) },
			},
		},
	})
}

// TestAccFaults_foreignContainerHoldsName puts a container without our
// labels under the name a workspace needs: the plan refuses, and a create
// that gets past the plan (the container appeared after it) fails too,
// before making anything. The foreign container is never touched.
func TestAccFaults_foreignContainerHoldsName(t *testing.T) {
	id := acctest.RandomID("squat")
	cli := acctest.Docker(t)
	ctx := context.Background()
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: acctest.StandinImage("langgraph"), Labels: map[string]string{"owner": "someone-else"}},
		nil, nil, nil, workspace.ContainerName(id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}) })
	untouched := func() error {
		info, err := cli.ContainerInspect(ctx, workspace.ContainerName(id))
		if err != nil || info.ID != created.ID || info.State.Status != "created" || info.Config.Labels["owner"] != "someone-else" {
			return fmt.Errorf("the foreign container was touched (err=%v)", err)
		}
		if vols := ownedVolumes(t, cli, []string{id}); len(vols) > 0 {
			return fmt.Errorf("volumes were made for a workspace that could not be created: %v", vols)
		}
		return nil
	}

	engine, err := docker.NewEngine(docker.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	_, err = engine.Create(ctx, workspace.WorkspaceSpec{
		WorkspaceID: id, Runtime: "langgraph", Image: acctest.StandinImage("langgraph"), Tier: 2, Network: acctest.Network, Running: true,
		ConfigFiles: map[string]string{"config.yaml": "name: squat\n"},
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "taken by a container this provider does not manage") {
		t.Errorf("create over a foreign container: want a refusal, got %v", err)
	}
	if err := untouched(); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "squat" {
  workspace_id = %q
  config_files = { "config.yaml" = "name: squat\n" }
}
`, id),
			ExpectError: acctest.MessageRegexp("container name " + workspace.ContainerName(id) + " is taken by a container this provider does not manage"),
		}},
	})
	if err := untouched(); err != nil {
		t.Fatal(err)
	}
}

// TestAccFaults_sameWorkspaceInTwoStates applies a workspace from one
// working directory, then the same id, and an id sharing its 12-character
// prefix, from another: the second state's applies fail with an error that
// says why, and the first workspace keeps running untouched.
func TestAccFaults_sameWorkspaceInTwoStates(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	id := acctest.RandomID("twice")
	sibling := workspace.ShortID(id) + "-sibling"
	first, second := acctest.NewWorkdir(t), acctest.NewWorkdir(t)
	t.Cleanup(func() { expectNothingLeft(t, cli, id, sibling) })
	first.DestroyOnCleanup()
	second.DestroyOnCleanup()
	one := func(workspaceID string) string {
		return acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "w" {
  workspace_id = %q
  config_files = { "config.yaml" = "name: twice\n" }
}
`, workspaceID)
	}
	first.SetConfig(one(id))
	first.MustRun("apply", "-auto-approve")
	before := acctest.MustInspect(t, cli, id)

	for _, c := range []struct {
		id   string
		want *regexp.Regexp
	}{
		{id, acctest.MessageRegexp("already exists on", "it is managed by another Terraform state")},
		{sibling, acctest.MessageRegexp(`already belongs to workspace "` + id + `", whose id shares the first 12 characters`)},
	} {
		second.SetConfig(one(c.id))
		r := second.Run("apply", "-auto-approve")
		if r.Err == nil || !c.want.MatchString(r.Output()) {
			t.Errorf("second state applying %s: want an error matching %q\n%s", c.id, c.want, r)
		}
		if n := len(second.StateInstances("molecule_workspace")); n != 0 {
			t.Errorf("the failed apply recorded %d workspaces in the second state", n)
		}
	}
	after := acctest.MustInspect(t, cli, id)
	if after.ID != before.ID || after.State.StartedAt != before.State.StartedAt || !after.State.Running {
		t.Errorf("the first state's workspace was touched: %.12s started %s -> %.12s started %s running=%t",
			before.ID, before.State.StartedAt, after.ID, after.State.StartedAt, after.State.Running)
	}
	expectPlanExitCode(t, first, 0)
}

// expectFleet checks that Docker holds exactly one running container per
// workspace id (no duplicates, none foreign to the list), that every volume
// carrying one of the ids is mounted by that workspace's container (no
// orphans, at most 2 per workspace), and that the state records each
// container by its ID, untainted.
func expectFleet(t *testing.T, wd *acctest.Workdir, cli *client.Client, ids []string) {
	t.Helper()
	containers := ownedContainers(t, cli, ids)
	perID := map[string]int{}
	mounted := map[string]string{}
	for _, c := range containers {
		wid := c.Labels[workspace.LabelWorkspaceID]
		perID[wid]++
		if c.State != "running" {
			t.Errorf("container %v of %s is %s", c.Names, wid, c.State)
		}
		for _, m := range c.Mounts {
			if m.Type == mount.TypeVolume {
				mounted[m.Name] = wid
			}
		}
	}
	if len(containers) != len(ids) {
		t.Errorf("%d containers for %d workspaces", len(containers), len(ids))
	}
	for _, id := range ids {
		if perID[id] != 1 {
			t.Errorf("workspace %s has %d containers, want 1", id, perID[id])
		}
	}
	vols := ownedVolumes(t, cli, ids)
	if len(vols) > 2*len(ids) {
		t.Errorf("%d volumes for %d workspaces, want at most %d", len(vols), len(ids), 2*len(ids))
	}
	for _, v := range vols {
		if owner, ok := mounted[v.Name]; !ok || owner != v.Labels[workspace.LabelWorkspaceID] {
			t.Errorf("orphan volume %s (workspace %s) is not mounted by its workspace's container", v.Name, v.Labels[workspace.LabelWorkspaceID])
		}
	}
	expectStateMatchesEngine(t, wd, cli, ids)
	for _, inst := range wd.StateInstances("molecule_workspace") {
		if inst.Tainted {
			t.Errorf("%s is still tainted", inst.Address)
		}
	}
	t.Logf("engine holds %d containers and %d volumes for %d workspaces", len(containers), len(vols), len(ids))
}

// expectStateMatchesEngine checks that every workspace the state records
// with a container ID has that container, and that every container and
// volume of the ids belongs to a workspace the state records: nothing made
// is unaccounted for.
func expectStateMatchesEngine(t *testing.T, wd *acctest.Workdir, cli *client.Client, ids []string) {
	t.Helper()
	recorded := map[string]string{}
	for _, inst := range wd.StateInstances("molecule_workspace") {
		recorded[inst.String("workspace_id")] = inst.String("container_id")
	}
	byID := map[string]string{}
	for _, c := range ownedContainers(t, cli, ids) {
		wid := c.Labels[workspace.LabelWorkspaceID]
		byID[wid] = c.ID
		recordedID, ok := recorded[wid]
		if !ok {
			t.Errorf("container %v of workspace %s is not in the state: orphaned", c.Names, wid)
		} else if recordedID != "" && recordedID != c.ID {
			t.Errorf("workspace %s: state records container %.12s, the engine has %.12s", wid, recordedID, c.ID)
		}
	}
	for _, v := range ownedVolumes(t, cli, ids) {
		if _, ok := recorded[v.Labels[workspace.LabelWorkspaceID]]; !ok {
			t.Errorf("volume %s is not accounted for in the state: orphaned", v.Name)
		}
	}
	for wid, cid := range recorded {
		if cid != "" && byID[wid] != cid {
			t.Logf("workspace %s: recorded container %.12s is gone; the next plan re-creates or replaces it", wid, cid)
		}
	}
}

// expectWorkspaceObjects checks the container runs and both volumes exist, ours.
func expectWorkspaceObjects(cli *client.Client, id string) error {
	ctx := context.Background()
	info, err := cli.ContainerInspect(ctx, workspace.ContainerName(id))
	if err != nil {
		return err
	}
	if !info.State.Running {
		return fmt.Errorf("container %s is %s", info.Name, info.State.Status)
	}
	for _, name := range []string{workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id)} {
		v, err := cli.VolumeInspect(ctx, name)
		if err != nil {
			return fmt.Errorf("volume %s: %w", name, err)
		}
		if !workspace.IsOwned(v.Labels, id) {
			return fmt.Errorf("volume %s lacks our labels: %v", name, v.Labels)
		}
	}
	return nil
}

func ownedContainers(t *testing.T, cli *client.Client, ids []string) []container.Summary {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"))})
	if err != nil {
		t.Fatalf("listing containers: %v", err)
	}
	return slices.DeleteFunc(list, func(c container.Summary) bool {
		return !slices.Contains(ids, c.Labels[workspace.LabelWorkspaceID])
	})
}

func ownedVolumes(t *testing.T, cli *client.Client, ids []string) []*volume.Volume {
	t.Helper()
	list, err := cli.VolumeList(context.Background(), volume.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"))})
	if err != nil {
		t.Fatalf("listing volumes: %v", err)
	}
	return slices.DeleteFunc(list.Volumes, func(v *volume.Volume) bool {
		return !slices.Contains(ids, v.Labels[workspace.LabelWorkspaceID])
	})
}

func expectNothingLeft(t *testing.T, cli *client.Client, ids ...string) {
	t.Helper()
	if err := acctest.NothingLeft(cli, ids...); err != nil {
		t.Error(err)
	}
}

// waitFor polls cond every 50 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// readyConfig is one workspace with config.yaml from config_files plus extra
// HCL attribute lines.
func readyConfig(id, configYAML string, extra ...string) string {
	cfg := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n", id, configYAML)
	for _, line := range extra {
		cfg += "  " + line + "\n"
	}
	return cfg + "}\n"
}

// A crash on start fails the apply within seconds with the exit code and the
// log lines; the container is stopped (no restart loop) and tainted, so the
// next apply replaces it rather than updating it in place.
func TestAccWorkspace_crashFailsFastStoppedAndTainted(t *testing.T) {
	id := acctest.RandomID("crash")
	cli := acctest.Docker(t)
	crashing := acctest.MinimalConfigYAML("crash") + "standin_crash_exit: 3\n"
	var applyStarted time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { applyStarted = time.Now() },
				Config:    readyConfig(id, crashing, `timeouts = { create = "10m" }`),
				// Only the stderr line: Docker may order it before or after
				// the stdout lines written at the same moment.
				ExpectError: acctest.MessageRegexp("exit code 3, OOM killed false", "It has been stopped",
					"log lines:", "crashing on purpose with code 3", "kept in state as tainted"),
			},
			{
				PreConfig: func() {
					elapsed := time.Since(applyStarted)
					t.Logf("crashing apply failed after %s (plan + apply, test clock)", elapsed.Round(time.Millisecond))
					// Seconds, not the 10-minute create timeout (the bound
					// leaves room for a loaded CI machine).
					if elapsed > 30*time.Second {
						t.Errorf("a crash should fail the apply in seconds, took %s", elapsed)
					}
					if err := acctest.ExpectStoppedForGood(cli, id, 2*time.Second); err != nil {
						t.Fatal(err)
					}
				},
				// A fixed config.yaml alone would be an in-place update: the
				// replacement comes from the taint.
				Config: readyConfig(id, acctest.MinimalConfigYAML("crash")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: acctest.ExpectServing(cli, id),
			},
		},
	})
}

// An agent killed by the OOM killer while we wait fails the apply at once,
// and the error and Docker both say so.
func TestAccWorkspace_oomKilledFailsFast(t *testing.T) {
	id := acctest.RandomID("oom")
	cli := acctest.Docker(t)
	// The agent grows after 300 ms, as real ones do: one that allocates at
	// once can be killed before the engine watches its memory cgroup, and
	// the engine then reports no OOM at all (1 run in 20 on a loaded
	// machine; the error then says exit code 137 is likely the OOM killer).
	greedy := acctest.MinimalConfigYAML("oom") + "standin_alloc_mb: 256\nstandin_alloc_delay_ms: 300\n"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config:      readyConfig(id, greedy, "memory_mb = 32"),
				ExpectError: acctest.MessageRegexp("OOM killed true", "log lines:", "standin: allocating 256 MiB", "raise memory_mb"),
			},
			{
				PreConfig: func() {
					// Docker's own OOM flag is not checked: the restart policy
					// may have run the agent again before the stop, whose kill
					// then is the last exit Docker remembers.
					if err := acctest.ExpectStoppedForGood(cli, id, time.Second); err != nil {
						t.Fatal(err)
					}
				},
				Config: readyConfig(id, acctest.MinimalConfigYAML("oom"), "memory_mb = 32"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
			},
		},
	})
}

// A slow agent is waited for: when apply returns it already answers.
func TestAccWorkspace_slowStartIsWaitedFor(t *testing.T) {
	id := acctest.RandomID("slow")
	cli := acctest.Docker(t)
	const delay = 2500 * time.Millisecond
	var applyStarted time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { applyStarted = time.Now() },
				Config:    readyConfig(id, acctest.MinimalConfigYAML("slow"), fmt.Sprintf("env = { STANDIN_STARTUP_DELAY_MS = %q }", fmt.Sprint(delay.Milliseconds()))),
				Check: resource.ComposeTestCheckFunc(
					acctest.ExpectServing(cli, id),
					func(*terraform.State) error {
						if took := time.Since(applyStarted); took < delay {
							return fmt.Errorf("apply returned after %s, before the agent's %s start-up delay was over", took, delay)
						}
						return nil
					},
					resource.TestCheckResourceAttr("molecule_workspace.test", "status", "running"),
					resource.TestCheckResourceAttr("molecule_workspace.test", "restart_count", "0"),
					resource.TestCheckResourceAttr("molecule_workspace.test", "oom_killed", "false"),
				),
			},
		},
	})
}

// With wait_for_ready = false apply returns while the agent is still starting.
func TestAccWorkspace_waitForReadyOff(t *testing.T) {
	id := acctest.RandomID("nowait")
	cli := acctest.Docker(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: readyConfig(id, acctest.MinimalConfigYAML("nowait"), "wait_for_ready = false",
					`env = { STANDIN_STARTUP_DELAY_MS = "60000" }`),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("molecule_workspace.test", "status", "running"),
					func(*terraform.State) error {
						if status, _, err := acctest.AgentGet(cli, id, "/healthz"); err == nil {
							return fmt.Errorf("the agent answered %d although it sleeps for a minute: apply must have waited", status)
						}
						return nil
					},
				),
			},
		},
	})
}

// ready_path is what is polled, and the timeouts block bounds the wait: a
// path the agent answers 404 fails after the create timeout, naming the URL
// and the last answer. The workspace is tainted; a working path replaces it.
func TestAccWorkspace_readyPathAndTimeout(t *testing.T) {
	id := acctest.RandomID("path")
	cli := acctest.Docker(t)
	var applyStarted time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { applyStarted = time.Now() },
				Config: readyConfig(id, acctest.MinimalConfigYAML("path"), `ready_path = "/no-such-path"`,
					`timeouts = { create = "8s" }`),
				ExpectError: acctest.MessageRegexp("did not answer on http://127.0.0.1:", "/no-such-path within", "HTTP 404",
					"Raise the create timeout, or set wait_for_ready = false"),
			},
			{
				PreConfig: func() {
					if took := time.Since(applyStarted); took > 40*time.Second {
						t.Errorf("the 8s create timeout should end the apply soon after, took %s", took)
					}
				},
				Config: readyConfig(id, acctest.MinimalConfigYAML("path"), `ready_path = "/healthz"`, `timeouts = { create = "30s" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: acctest.ExpectServing(cli, id),
			},
		},
	})
}

// An update that restarts the container (a config file change) waits for the
// agent again, and a crash after that restart fails fast and stops it.
func TestAccWorkspace_updateRestartWaitsAndCatchesCrash(t *testing.T) {
	id := acctest.RandomID("upd")
	cli := acctest.Docker(t)
	const delay = 2 * time.Second
	var applyStarted time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: readyConfig(id, acctest.MinimalConfigYAML("upd")),
			},
			{
				PreConfig: func() { applyStarted = time.Now() },
				Config:    readyConfig(id, acctest.MinimalConfigYAML("upd")+fmt.Sprintf("standin_startup_delay_ms: %d\n", delay.Milliseconds())),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					acctest.ExpectServing(cli, id),
					func(*terraform.State) error {
						if took := time.Since(applyStarted); took < delay {
							return fmt.Errorf("update returned after %s, before the restarted agent's %s delay was over", took, delay)
						}
						return nil
					},
				),
			},
			{
				Config: readyConfig(id, acctest.MinimalConfigYAML("upd")+"standin_crash_exit: 4\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
				},
				ExpectError: acctest.MessageRegexp("exit code 4", "crashing on purpose with code 4"),
			},
			{
				PreConfig: func() {
					if err := acctest.ExpectStoppedForGood(cli, id, time.Second); err != nil {
						t.Fatal(err)
					}
				},
				Config: readyConfig(id, acctest.MinimalConfigYAML("upd")),
				Check:  acctest.ExpectServing(cli, id),
			},
		},
	})
}

// Through the real terraform binary: TF_LOG=INFO shows the apply's progress
// (volume, container, copy, start, waiting with elapsed time, ready); a
// refresh of one workspace costs two Docker API calls plus one ping per run;
// a crash is detected within a fraction of a second of the start, and the
// crashed workspace is tainted in the state file.
func TestAccWorkspace_progressLogRefreshCostAndCrashTiming(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	slowID, crashID := acctest.RandomID("log"), acctest.RandomID("logcrash")
	t.Cleanup(func() { // runs after the destroy below
		if err := acctest.NothingLeft(cli, slowID, crashID); err != nil {
			t.Error(err)
		}
	})
	w := acctest.NewWorkdir(t)
	w.DestroyOnCleanup()
	slow := fmt.Sprintf("resource \"molecule_workspace\" \"slow\" {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n  env = { STANDIN_STARTUP_DELAY_MS = \"1500\" }\n}\n",
		slowID, acctest.MinimalConfigYAML("log"))
	w.SetConfig(acctest.ProviderConfig() + slow)

	applyLog := filepath.Join(t.TempDir(), "apply.log")
	w.Setenv("TF_LOG=INFO", "TF_LOG_PATH="+applyLog)
	w.MustRun("apply", "-auto-approve")
	lines, err := acctest.ReadProviderLog(applyLog, "workspace_id="+slowID)
	if err != nil {
		t.Fatal(err)
	}
	var messages []string
	for _, l := range lines {
		if l.Level == "INFO" {
			messages = append(messages, l.Message)
		}
	}
	want := []string{"volume ready", "volume ready", "container created", "config files copied", "container started", "waiting for workspace to serve", "workspace ready"}
	if !containsInOrder(messages, want) {
		t.Errorf("progress at INFO = %q, want %q in that order", messages, want)
	}
	for _, l := range lines {
		if (l.Message == "waiting for workspace to serve" || l.Message == "workspace ready") && !strings.Contains(l.Line, "elapsed=") {
			t.Errorf("%q should carry the elapsed time: %s", l.Message, l.Line)
		}
	}

	// The refresh of one workspace, counted through the provider's call log.
	// A first refresh is saved, so the count is that of a steady state.
	w.Setenv("TF_LOG=")
	w.MustRun("apply", "-refresh-only", "-auto-approve")
	calls := filepath.Join(t.TempDir(), "calls.log")
	w.Setenv("MOLECULE_TF_API_CALL_LOG=" + calls)
	w.MustRun("plan", "-refresh-only")
	containerID := acctest.MustInspect(t, cli, slowID).ID
	perWorkspace, perRun := classifyCalls(t, calls, workspace.ContainerName(slowID), containerID)
	t.Logf("refresh of one workspace: %d Docker API calls for the workspace %q, %d per run %q", len(perWorkspace), perWorkspace, len(perRun), perRun)
	if len(perWorkspace) != 2 {
		t.Errorf("a refresh should inspect the container and read /configs once each, made %q", perWorkspace)
	}
	for _, c := range perRun {
		if !strings.HasSuffix(c, "/_ping") {
			t.Errorf("unexpected per-run call %q during a refresh", c)
		}
	}

	// A crashing second workspace: timing from the provider's own clock
	// (CrashError) and from the log's timestamps.
	crash := fmt.Sprintf("resource \"molecule_workspace\" \"crash\" {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n}\n",
		crashID, acctest.MinimalConfigYAML("logcrash")+"standin_crash_exit: 5\n")
	w.SetConfig(acctest.ProviderConfig() + slow + crash)
	crashLog := filepath.Join(t.TempDir(), "crash.log")
	w.Setenv("TF_LOG=INFO", "TF_LOG_PATH="+crashLog, "MOLECULE_TF_API_CALL_LOG=")
	r := w.Run("apply", "-auto-approve")
	if r.Err == nil {
		t.Fatalf("apply of a crashing workspace succeeded:\n%s", r)
	}
	out := r.Output()
	for _, want := range []string{"exit code 5", "crashing on purpose with code 5", "kept in state as tainted"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("crash error lacks %q:\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`stopped serving\s+(\S+)\s+after\s+start`).FindStringSubmatch(out); m != nil {
		t.Logf("crash detected %s after the container started (provider clock); crashing apply took %s in all", m[1], r.Took.Round(time.Millisecond))
	} else {
		t.Errorf("crash error does not say when the crash was seen:\n%s", out)
	}
	crashLines, err := acctest.ReadProviderLog(crashLog)
	if err != nil {
		t.Fatal(err)
	}
	// The error diagnostic spans lines; it is tied to the start by its request id.
	var started, failed time.Time
	var request string
	for _, l := range crashLines {
		switch {
		case l.Message == "container started" && strings.Contains(l.Line, "workspace_id="+crashID):
			started, request = l.Time, l.Field("tf_req_id")
		case l.Level == "ERROR" && request != "" && l.Field("tf_req_id") == request:
			failed = l.Time
		}
	}
	if started.IsZero() || failed.IsZero() {
		t.Errorf("crash log lacks the start or the error line of %s", crashID)
	} else {
		t.Logf("crash reported %s after the 'container started' log line (log timestamps)", failed.Sub(started))
		if failed.Sub(started) > 30*time.Second {
			t.Errorf("crash took %s to report", failed.Sub(started))
		}
	}
	tainted := false
	for _, in := range w.StateInstances("molecule_workspace") {
		if in.Address == "molecule_workspace.crash" {
			tainted = in.Tainted
		}
	}
	if !tainted {
		t.Errorf("the crashed workspace should be tainted in the state file")
	}
	if err := acctest.ExpectStoppedForGood(cli, crashID, time.Second); err != nil {
		t.Error(err)
	}
}

// containsInOrder reports whether want is a subsequence of got.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// classifyCalls splits the "METHOD PATH" lines of an API call log into calls
// about one workspace's container (by name or id) and the rest.
func classifyCalls(t *testing.T, file, name, id string) (perWorkspace, perRun []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading the API call log: %v", err)
	}
	for _, c := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.Contains(c, "/"+name+"/") || strings.Contains(c, "/"+id+"/") {
			perWorkspace = append(perWorkspace, c)
		} else if c != "" {
			perRun = append(perRun, c)
		}
	}
	return perWorkspace, perRun
}

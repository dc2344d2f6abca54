// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
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
	greedy := acctest.MinimalConfigYAML("oom") + "standin_alloc_mb: 256\n"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config:      readyConfig(id, greedy, "memory_mb = 32"),
				ExpectError: acctest.MessageRegexp("OOM killed true", "log lines:", "standin: allocating 256 MiB"),
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

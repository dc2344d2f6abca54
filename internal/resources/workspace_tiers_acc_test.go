// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Tier 1: read-only root filesystem, a small noexec tmpfs at /tmp, only the
// config volume (no /workspace at all), and it still serves.
func TestAccWorkspaceTier_sandboxed(t *testing.T) {
	id := acctest.RandomID("tier1")
	cli := acctest.Docker(t)
	addr := "molecule_workspace.test"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig() + workspaceHCL("test", id, configYAMLLine("tier1"), "tier = 1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkContainer(cli, id, func(info container.InspectResponse) error {
						hc := info.HostConfig
						switch {
						case !hc.ReadonlyRootfs:
							return fmt.Errorf("root filesystem is writable")
						case hc.Tmpfs["/tmp"] != "rw,noexec,nosuid,size=64m":
							return fmt.Errorf("/tmp tmpfs %q", hc.Tmpfs["/tmp"])
						case hc.Privileged || hc.PidMode != "":
							return fmt.Errorf("privileged=%t pid=%q", hc.Privileged, hc.PidMode)
						case len(info.Mounts) != 1:
							return fmt.Errorf("mounts %+v, want only /configs", info.Mounts)
						case hc.Memory != 512<<20 || hc.NanoCPUs != 1e9:
							return fmt.Errorf("limits memory=%d nanocpus=%d", hc.Memory, hc.NanoCPUs)
						}
						return expectVolumeMount(info, "/configs", workspace.ConfigVolumeName(id))
					}),
					expectNoVolume(cli, workspace.WorkspaceVolumeName(id)),
					expectAgentAnswers(cli, id, map[string]string{"TIER": "1"}),
					resource.TestCheckResourceAttr(addr, "workspace_volume", ""),
					resource.TestCheckResourceAttr(addr, "workspace_access", "none"),
					resource.TestMatchResourceAttr(addr, "isolation", regexp.MustCompile(`readonly_rootfs=true tmpfs=/tmp:rw,noexec,nosuid,size=64m`)),
				),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateId: id,
				ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore: []string{"config_files", "timeouts"},
			},
		},
	})
}

// privilegedTierSteps creates the workspace stopped and checks what Docker
// was asked for; a second step starts it and checks that it serves. The
// engine is asked each time whether it can start privileged containers
// (engines in a sandbox cannot); when it cannot, the second step does not
// run and a skipped subtest "serving" says so, with Docker's reason, in the
// test output of every run.
func privilegedTierSteps(t *testing.T, config func(running bool) string, rec *acctest.DiagnosticsRecorder, warning *regexp.Regexp, created, serving resource.TestCheckFunc) []resource.TestStep {
	steps := []resource.TestStep{{
		Config: config(false),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{rec.ExpectWarning(warning)},
		},
		Check: created,
	}}
	ok, why := acctest.EngineStartsPrivileged(t, acctest.Docker(t))
	if !ok {
		// The start cannot succeed here, so the step checks what the
		// operator gets instead: the apply fails with the engine's reason.
		t.Logf("NOT SERVING: this engine cannot start privileged containers (%s); the start step expects the apply to fail with that reason", why)
		return append(steps, resource.TestStep{
			Config:      config(true),
			ExpectError: acctest.MessageRegexp(engineReason(why)),
		})
	}
	return append(steps, resource.TestStep{
		Config: config(true),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
		},
		Check: resource.ComposeAggregateTestCheckFunc(created, serving),
	})
}

// engineReason is the last part of a Docker error ("...: unable to apply
// caps: operation not permitted: unknown" gives "unable to apply caps"),
// which the provider's error must carry.
func engineReason(err string) string {
	parts := strings.Split(err, ": ")
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.TrimSpace(parts[i]); p != "unknown" && p != "operation not permitted" && p != "" {
			return p
		}
	}
	return err
}

// Tier 3 with allow_privileged_tiers: privileged, host PID, still on the
// workspace network with its published port, the tier's limits; the plan
// warns.
func TestAccWorkspaceTier_privileged(t *testing.T) {
	id := acctest.RandomID("tier3")
	cli := acctest.Docker(t)
	rec := &acctest.DiagnosticsRecorder{}
	config := func(running bool) string {
		return acctest.ProviderConfig("allow_privileged_tiers = true") +
			workspaceHCL("test", id, configYAMLLine("tier3"), "tier = 3", fmt.Sprintf("running = %t", running))
	}
	created := checkContainer(cli, id, func(info container.InspectResponse) error {
		hc := info.HostConfig
		switch {
		case !hc.Privileged || hc.PidMode != "host":
			return fmt.Errorf("privileged=%t pid=%q, want privileged with host PID", hc.Privileged, hc.PidMode)
		case string(hc.NetworkMode) != acctest.Network:
			return fmt.Errorf("network mode %q, want %q", hc.NetworkMode, acctest.Network)
		case len(hc.PortBindings["8000/tcp"]) != 1:
			return fmt.Errorf("port bindings %v", hc.PortBindings)
		case hc.Memory != 2048<<20 || hc.NanoCPUs != tierCPUs(t, 2)*1e9:
			return fmt.Errorf("limits memory=%d nanocpus=%d, want 2048 MiB and 2 CPU (at most the engine's)", hc.Memory, hc.NanoCPUs)
		case len(info.Mounts) != 2:
			return fmt.Errorf("mounts %+v, want /configs and /workspace only (no Docker socket)", info.Mounts)
		}
		return nil
	})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: rec.Factories(),
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: privilegedTierSteps(t, config, rec,
			acctest.MessageRegexp("Tier 3 workspace gets host access", "privileged mode and the host's PID namespace"),
			created, expectAgentAnswers(cli, id, map[string]string{"TIER": "3"})),
	})
}

// tierCPUs is a tier's default CPU limit on this engine: capped at its CPUs.
func tierCPUs(t *testing.T, tierDefault int64) int64 {
	info, err := acctest.Docker(t).Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return min(tierDefault, int64(info.NCPU))
}

// Tier 4 with allow_privileged_tiers: tier 3 plus the host's network and the
// Docker socket, no published port, no host URL; the plan warns about the
// socket. On the host network the agent would take port 8000 of the host,
// which other suites may hold, so it listens on a free port (PORT) and
// readiness is checked here rather than by the provider.
func TestAccWorkspaceTier_fullHost(t *testing.T) {
	id := acctest.RandomID("tier4")
	cli := acctest.Docker(t)
	rec := &acctest.DiagnosticsRecorder{}
	port := acctest.FreePort(t)
	addr := "molecule_workspace.test"
	config := func(running bool) string {
		return acctest.ProviderConfig("allow_privileged_tiers = true") +
			workspaceHCL("test", id, configYAMLLine("tier4"), "tier = 4", fmt.Sprintf("running = %t", running),
				"wait_for_ready = false", fmt.Sprintf(`env = { PORT = "%d" }`, port))
	}
	created := resource.ComposeAggregateTestCheckFunc(
		checkContainer(cli, id, func(info container.InspectResponse) error {
			hc := info.HostConfig
			switch {
			case !hc.Privileged || hc.PidMode != "host" || hc.NetworkMode != "host":
				return fmt.Errorf("privileged=%t pid=%q network=%q, want privileged, host PID, host network", hc.Privileged, hc.PidMode, hc.NetworkMode)
			case len(hc.PortBindings) != 0:
				return fmt.Errorf("port bindings %v on the host network", hc.PortBindings)
			case hc.Memory != 4096<<20 || hc.NanoCPUs != tierCPUs(t, 4)*1e9:
				return fmt.Errorf("limits memory=%d nanocpus=%d, want 4096 MiB and 4 CPU (at most the engine's)", hc.Memory, hc.NanoCPUs)
			}
			sock, ok := mountAtTarget(info, "/var/run/docker.sock")
			if !ok || sock.Type != mount.TypeBind || sock.Source != "/var/run/docker.sock" {
				return fmt.Errorf("docker socket mount %+v (present %t)", sock, ok)
			}
			if !slices.ContainsFunc(info.Mounts, func(m container.MountPoint) bool { return m.Destination == "/workspace" }) {
				return fmt.Errorf("no /workspace mount")
			}
			return nil
		}),
		resource.TestCheckResourceAttr(addr, "network", "host"),
		resource.TestCheckResourceAttr(addr, "host_url", ""),
		resource.TestMatchResourceAttr(addr, "isolation", regexp.MustCompile(`network=host .*docker_socket=true`)),
	)
	serving := func(*terraform.State) error {
		_, err := acctest.WaitHTTP(fmt.Sprintf("http://127.0.0.1:%d/healthz", port), 10*time.Second)
		return err
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: rec.Factories(),
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: privilegedTierSteps(t, config, rec,
			acctest.MessageRegexp("Tier 4 workspace gets host access", "the Docker socket (control of every container on the engine)"),
			created, serving),
	})
}

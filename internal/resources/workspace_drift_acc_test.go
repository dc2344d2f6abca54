// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Each drift test creates a workspace, changes the world behind Terraform's
// back in PreConfig, and checks both the planned action for the unchanged
// configuration and that the apply brings Docker back in line. After every
// apply the framework also checks that the next plan is empty.

const driftAddr = "molecule_workspace.test"

// driftCase creates the workspace, then runs one drift step: change the
// world, expect action for the unchanged configuration, apply, check.
func driftCase(t *testing.T, id string, cfg string, change func(), action plancheck.ResourceActionType, extraPlanChecks []plancheck.PlanCheck, check resource.TestCheckFunc) {
	t.Helper()
	cli := acctest.Docker(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  expectAgentAnswers(cli, id, nil),
			},
			{
				PreConfig: change,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: append([]plancheck.PlanCheck{plancheck.ExpectResourceAction(driftAddr, action)}, extraPlanChecks...),
				},
				Check: resource.ComposeAggregateTestCheckFunc(expectAgentAnswers(cli, id, nil), check),
			},
		},
	})
}

func driftConfig(id, name string, lines ...string) string {
	return acctest.ProviderConfig() + workspaceHCL("test", id, append([]string{configYAMLLine(name)}, lines...)...)
}

// A container removed outside Terraform leaves state; the plan creates it
// again, reusing the volumes that were left.
func TestAccWorkspaceDrift_containerGone(t *testing.T) {
	id := acctest.RandomID("gone")
	cli := acctest.Docker(t)
	driftCase(t, id, driftConfig(id, "gone"),
		func() { acctest.RemoveWorkspaceContainer(t, cli, id) },
		plancheck.ResourceActionCreate, nil,
		expectOwnedVolume(cli, id, workspace.ConfigVolumeName(id), workspace.RoleConfigVolume),
	)
}

// A container stopped outside Terraform reads running = false; the plan
// updates in place and the apply starts the same container.
func TestAccWorkspaceDrift_stopped(t *testing.T) {
	id := acctest.RandomID("stop")
	cli := acctest.Docker(t)
	var stoppedID string
	driftCase(t, id, driftConfig(id, "stop"),
		func() {
			acctest.StopWorkspaceContainer(t, cli, id)
			stoppedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{
			acctest.ExpectPriorValue(driftAddr, "running", false),
			acctest.ExpectPriorValue(driftAddr, "status", "exited"),
		},
		expectSameContainer(cli, id, &stoppedID),
	)
}

// Memory and CPU changed with docker update are put back in place.
func TestAccWorkspaceDrift_limits(t *testing.T) {
	id := acctest.RandomID("limits")
	cli := acctest.Docker(t)
	var updatedID string
	driftCase(t, id, driftConfig(id, "limits"),
		func() {
			acctest.UpdateWorkspaceLimits(t, cli, id, 300, 0.25)
			updatedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{
			acctest.ExpectPriorValue(driftAddr, "memory_mb", float64(300)),
			acctest.ExpectPriorValue(driftAddr, "cpus", 0.25),
		},
		resource.ComposeAggregateTestCheckFunc(
			expectSameContainer(cli, id, &updatedID),
			checkContainer(cli, id, func(info container.InspectResponse) error {
				if hc := info.HostConfig; hc.Memory != 512<<20 || hc.MemorySwap != 512<<20 || hc.NanoCPUs != 1e9 {
					return fmt.Errorf("limits not restored: memory=%d swap=%d nanocpus=%d", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
				}
				return nil
			}),
		),
	)
}

// A managed env value changed by recreating the container is replaced.
func TestAccWorkspaceDrift_env(t *testing.T) {
	id := acctest.RandomID("env")
	cli := acctest.Docker(t)
	var driftedID string
	driftCase(t, id, driftConfig(id, "env", `env = { API_KEY = "from-terraform" }`),
		func() {
			acctest.RecreateWorkspaceContainer(t, cli, id, acctest.WithEnv("API_KEY", "changed-by-hand"))
			driftedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionDestroyBeforeCreate, nil,
		resource.ComposeAggregateTestCheckFunc(
			expectNewContainer(cli, id, &driftedID),
			expectAgentAnswers(cli, id, map[string]string{"API_KEY": "from-terraform"}),
		),
	)
}

// A container recreated from another image is replaced by one from the
// configured image. (A tag rebuilt under the same name is covered by
// TestAccWorkspace_imageRebuiltUnderSameTagReplaces.)
func TestAccWorkspaceDrift_image(t *testing.T) {
	id := acctest.RandomID("image")
	cli := acctest.Docker(t)
	variant := acctest.VariantImagePrefix + ":" + id
	var driftedID string
	driftCase(t, id, driftConfig(id, "image"),
		func() {
			acctest.BuildVariantImage(t, cli, id, "drift-"+id)
			acctest.RecreateWorkspaceContainer(t, cli, id, func(cfg *container.Config, _ *container.HostConfig) { cfg.Image = variant })
			driftedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionDestroyBeforeCreate,
		[]plancheck.PlanCheck{acctest.ExpectPriorValue(driftAddr, "image", variant)},
		resource.ComposeAggregateTestCheckFunc(
			expectNewContainer(cli, id, &driftedID),
			checkContainer(cli, id, func(info container.InspectResponse) error {
				want, err := cli.ImageInspect(t.Context(), acctest.StandinImage("langgraph"))
				if err != nil {
					return err
				}
				if info.Config.Image != acctest.StandinImage("langgraph") || info.Image != want.ID {
					return fmt.Errorf("runs %s (%s), want %s (%s)", info.Config.Image, info.Image, acctest.StandinImage("langgraph"), want.ID)
				}
				return nil
			}),
		),
	)
}

// /workspace swapped from its volume to a host directory: replaced, and the
// replacement mounts the volume again.
func TestAccWorkspaceDrift_mountToHostDir(t *testing.T) {
	id := acctest.RandomID("mount")
	cli := acctest.Docker(t)
	dir := t.TempDir()
	var driftedID string
	driftCase(t, id, driftConfig(id, "mount"),
		func() {
			acctest.RecreateWorkspaceContainer(t, cli, id, acctest.WithWorkspaceMount(mount.Mount{Type: mount.TypeBind, Source: dir}))
			driftedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionDestroyBeforeCreate,
		[]plancheck.PlanCheck{acctest.ExpectPriorValue(driftAddr, "workspace_path", dir)},
		resource.ComposeAggregateTestCheckFunc(
			expectNewContainer(cli, id, &driftedID),
			checkContainer(cli, id, func(info container.InspectResponse) error {
				return expectVolumeMount(info, "/workspace", workspace.WorkspaceVolumeName(id))
			}),
		),
	)
}

// /workspace swapped to another named volume: replaced, and the volume that
// is not the provider's is left alone.
func TestAccWorkspaceDrift_mountOtherVolume(t *testing.T) {
	id := acctest.RandomID("volswap")
	cli := acctest.Docker(t)
	other := id + "-other"
	if _, err := cli.VolumeCreate(t.Context(), volume.CreateOptions{Name: other}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = acctest.RemoveVolumes(cli, other) })
	var driftedID string
	driftCase(t, id, driftConfig(id, "volswap"),
		func() {
			acctest.RecreateWorkspaceContainer(t, cli, id, acctest.WithWorkspaceMount(mount.Mount{Type: mount.TypeVolume, Source: other}))
			driftedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionDestroyBeforeCreate, nil,
		resource.ComposeAggregateTestCheckFunc(
			expectNewContainer(cli, id, &driftedID),
			checkContainer(cli, id, func(info container.InspectResponse) error {
				return expectVolumeMount(info, "/workspace", workspace.WorkspaceVolumeName(id))
			}),
			func(*terraform.State) error {
				if exists, _, err := acctest.VolumeExists(cli, other); err != nil || !exists {
					return fmt.Errorf("volume %s, not the provider's, was removed (err %v)", other, err)
				}
				return nil
			},
		),
	)
}

// A read-write host directory remounted read-only: replaced.
func TestAccWorkspaceDrift_mountReadOnly(t *testing.T) {
	id := acctest.RandomID("mountro")
	cli := acctest.Docker(t)
	dir := t.TempDir()
	var driftedID string
	driftCase(t, id, driftConfig(id, "mountro", fmt.Sprintf("workspace_path = %q", dir), `workspace_access = "read_write"`),
		func() {
			acctest.RecreateWorkspaceContainer(t, cli, id, acctest.WithWorkspaceMount(mount.Mount{Type: mount.TypeBind, Source: dir, ReadOnly: true}))
			driftedID = acctest.MustInspect(t, cli, id).ID
		},
		plancheck.ResourceActionDestroyBeforeCreate,
		[]plancheck.PlanCheck{acctest.ExpectPriorValue(driftAddr, "workspace_access", "read_only")},
		resource.ComposeAggregateTestCheckFunc(
			expectNewContainer(cli, id, &driftedID),
			checkContainer(cli, id, func(info container.InspectResponse) error {
				if m, _ := mountAtTarget(info, "/workspace"); m.Source != dir || !m.RW {
					return fmt.Errorf("/workspace %+v, want %s read-write", m, dir)
				}
				return nil
			}),
		),
	)
}

// Host PID namespace, added capabilities, a relaxed security profile or
// the Docker socket bound in by hand: each is replaced by a container with
// the tier's isolation. (Privileged mode itself cannot start on engines that
// run inside a sandbox, so host PID stands for it.)
func TestAccWorkspaceDrift_privileges(t *testing.T) {
	cases := map[string]func(*container.Config, *container.HostConfig){
		"pid-host": func(_ *container.Config, hc *container.HostConfig) { hc.PidMode = "host" },
		"cap-add":  func(_ *container.Config, hc *container.HostConfig) { hc.CapAdd = []string{"NET_ADMIN"} },
		"seccomp":  func(_ *container.Config, hc *container.HostConfig) { hc.SecurityOpt = []string{"seccomp=unconfined"} },
		"socket": func(_ *container.Config, hc *container.HostConfig) {
			hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"})
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			id := acctest.RandomID(name)
			cli := acctest.Docker(t)
			var driftedID string
			driftCase(t, id, driftConfig(id, name),
				func() {
					acctest.RecreateWorkspaceContainer(t, cli, id, mutate)
					driftedID = acctest.MustInspect(t, cli, id).ID
				},
				plancheck.ResourceActionDestroyBeforeCreate, nil,
				resource.ComposeAggregateTestCheckFunc(
					expectNewContainer(cli, id, &driftedID),
					checkContainer(cli, id, func(info container.InspectResponse) error {
						hc := info.HostConfig
						if hc.Privileged || hc.PidMode != "" || len(hc.CapAdd) > 0 || len(hc.SecurityOpt) > 0 || len(info.Mounts) != 2 {
							return fmt.Errorf("isolation not restored: pid=%q cap_add=%v security_opt=%v mounts=%d", hc.PidMode, hc.CapAdd, hc.SecurityOpt, len(info.Mounts))
						}
						return nil
					}),
				),
			)
		})
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// workspaceHCL is a molecule_workspace block named label with attribute lines.
func workspaceHCL(label, id string, lines ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"molecule_workspace\" %q {\n  workspace_id = %q\n", label, id)
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// configYAMLLine gives a workspace a minimal config.yaml through config_files.
func configYAMLLine(name string) string {
	return fmt.Sprintf("config_files = { \"config.yaml\" = %q }", acctest.MinimalConfigYAML(name))
}

// checkContainer runs check on the workspace's container as Docker reports it.
func checkContainer(cli *client.Client, id string, check func(container.InspectResponse) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		info, err := acctest.InspectContainer(cli, id)
		if err != nil {
			return fmt.Errorf("inspecting workspace %s: %w", id, err)
		}
		if err := check(info); err != nil {
			return fmt.Errorf("container %s: %w", info.Name, err)
		}
		return nil
	}
}

// mountAtTarget returns the container's mount at target.
func mountAtTarget(info container.InspectResponse, target string) (container.MountPoint, bool) {
	for _, m := range info.Mounts {
		if m.Destination == target {
			return m, true
		}
	}
	return container.MountPoint{}, false
}

// expectVolumeMount checks a named-volume mount, read-write.
func expectVolumeMount(info container.InspectResponse, target, volume string) error {
	m, ok := mountAtTarget(info, target)
	switch {
	case !ok:
		return fmt.Errorf("no mount at %s", target)
	case m.Type != mount.TypeVolume || m.Name != volume || !m.RW:
		return fmt.Errorf("mount at %s is %s %q (rw %t), want read-write volume %q", target, m.Type, m.Name+m.Source, m.RW, volume)
	}
	return nil
}

// expectAgentAnswers checks through the published port that the agent serves
// and that its process sees each env entry.
func expectAgentAnswers(cli *client.Client, id string, env map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		code, _, err := acctest.AgentGet(cli, id, workspace.DefaultReadyPath)
		if err != nil || code != 200 {
			return fmt.Errorf("agent card of %s: code %d, err %v", id, code, err)
		}
		for k, want := range env {
			code, got, err := acctest.AgentGet(cli, id, "/env?key="+k)
			if err != nil || code != 200 || got != want {
				return fmt.Errorf("agent of %s sees %s=%q (code %d, err %v), want %q", id, k, got, code, err, want)
			}
		}
		return nil
	}
}

// captureContainerID stores the workspace's current container ID into *dst.
func captureContainerID(cli *client.Client, id string, dst *string) resource.TestCheckFunc {
	return checkContainer(cli, id, func(info container.InspectResponse) error {
		*dst = info.ID
		return nil
	})
}

// expectSameContainer checks that the container was changed in place.
func expectSameContainer(cli *client.Client, id string, before *string) resource.TestCheckFunc {
	return checkContainer(cli, id, func(info container.InspectResponse) error {
		if info.ID != *before {
			return fmt.Errorf("was replaced (%.12s -> %.12s), want an in-place change", *before, info.ID)
		}
		return nil
	})
}

// expectNewContainer checks that the container was replaced.
func expectNewContainer(cli *client.Client, id string, before *string) resource.TestCheckFunc {
	return checkContainer(cli, id, func(info container.InspectResponse) error {
		if info.ID == *before {
			return fmt.Errorf("still the same container %.12s, want a replacement", info.ID)
		}
		return nil
	})
}

// Create, in-place update, replacement, import and destroy of one workspace,
// with everything checked through the Docker API.
func TestAccWorkspace_lifecycle(t *testing.T) {
	id := acctest.RandomID("lifecycle")
	cli := acctest.Docker(t)
	short := workspace.ShortID(id)
	addr := "molecule_workspace.test"
	config := func(memory int, cpus, apiKey string) string {
		return acctest.ProviderConfig() + workspaceHCL("test", id,
			`name = "Lifecycle agent"`,
			configYAMLLine("lifecycle"),
			fmt.Sprintf(`env = { OPENAI_API_KEY = %q, EMPTY_OK = "" }`, apiKey),
			`labels = { team = "platform" }`,
			`platform_url = "http://platform.invalid:8080"`,
			`awareness_url = "http://awareness.invalid:9000"`,
			`awareness_namespace = "ns-lifecycle"`,
			fmt.Sprintf("memory_mb = %d", memory),
			"cpus = "+cpus,
		)
	}
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: config(384, "0.5", "sk-first"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkContainer(cli, id, func(info container.InspectResponse) error {
						hc := info.HostConfig
						switch {
						case hc.Memory != 384<<20 || hc.MemorySwap != 384<<20 || hc.NanoCPUs != 500_000_000:
							return fmt.Errorf("limits memory=%d swap=%d nanocpus=%d, want 384 MiB without swap, 0.5 CPU", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
						case hc.RestartPolicy.Name != container.RestartPolicyUnlessStopped:
							return fmt.Errorf("restart policy %q", hc.RestartPolicy.Name)
						case hc.Privileged || hc.PidMode != "" || hc.ReadonlyRootfs || len(hc.Tmpfs) > 0:
							return fmt.Errorf("tier 2 isolation wrong: privileged=%t pid=%q ro=%t tmpfs=%v", hc.Privileged, hc.PidMode, hc.ReadonlyRootfs, hc.Tmpfs)
						case string(hc.NetworkMode) != acctest.Network:
							return fmt.Errorf("network mode %q, want %q", hc.NetworkMode, acctest.Network)
						}
						if b := hc.PortBindings["8000/tcp"]; len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != "" {
							return fmt.Errorf("port binding %v, want 127.0.0.1 with an ephemeral port", b)
						}
						if b := info.NetworkSettings.Ports["8000/tcp"]; len(b) == 0 || b[0].HostIP != "127.0.0.1" || b[0].HostPort == "" {
							return fmt.Errorf("published port %v", b)
						}
						if ep := info.NetworkSettings.Networks[acctest.Network]; ep == nil || !slices.Contains(ep.Aliases, "ws-"+short) {
							return fmt.Errorf("not on %s with alias ws-%s: %+v", acctest.Network, short, ep)
						}
						if len(info.Mounts) != 2 {
							return fmt.Errorf("mounts %+v, want /configs and /workspace", info.Mounts)
						}
						if err := expectVolumeMount(info, "/configs", "ws-"+short+"-configs"); err != nil {
							return err
						}
						if err := expectVolumeMount(info, "/workspace", "ws-"+short+"-workspace"); err != nil {
							return err
						}
						env := workspace.ParseEnv(info.Config.Env)
						for k, v := range map[string]string{
							"WORKSPACE_ID": id, "WORKSPACE_CONFIG_PATH": "/configs", "PLATFORM_URL": "http://platform.invalid:8080",
							"MOLECULE_URL": "http://platform.invalid:8080", "TIER": "2", "PLUGINS_DIR": "/plugins",
							"AWARENESS_URL": "http://awareness.invalid:9000", "AWARENESS_NAMESPACE": "ns-lifecycle",
							"OPENAI_API_KEY": "sk-first", "EMPTY_OK": "",
						} {
							if got, ok := env[k]; !ok || got != v {
								return fmt.Errorf("env %s=%q (set %t), want %q", k, got, ok, v)
							}
						}
						for k, v := range map[string]string{
							workspace.LabelManaged: "true", workspace.LabelWorkspaceID: id, workspace.LabelRole: workspace.RoleContainer,
							workspace.LabelName: "Lifecycle agent", workspace.LabelTier: "2", "team": "platform",
						} {
							if got := info.Config.Labels[k]; got != v {
								return fmt.Errorf("label %s=%q, want %q", k, got, v)
							}
						}
						for _, l := range info.Config.Labels {
							if strings.Contains(l, "sk-first") {
								return fmt.Errorf("a label carries the secret env value")
							}
						}
						return nil
					}),
					expectOwnedVolume(cli, id, "ws-"+short+"-configs", workspace.RoleConfigVolume),
					expectOwnedVolume(cli, id, "ws-"+short+"-workspace", workspace.RoleWorkspaceVolume),
					expectAgentAnswers(cli, id, map[string]string{"OPENAI_API_KEY": "sk-first", "WORKSPACE_ID": id}),
					captureContainerID(cli, id, &firstID),
					func(s *terraform.State) error {
						info, err := acctest.InspectContainer(cli, id)
						if err != nil {
							return err
						}
						rs := s.RootModule().Resources[addr].Primary.Attributes
						want := map[string]string{
							"container_id": info.ID, "image_id": info.Image, "status": "running", "running": "true",
							"host_url":     "http://127.0.0.1:" + info.NetworkSettings.Ports["8000/tcp"][0].HostPort,
							"internal_url": "http://ws-" + short + ":8000", "container_name": "ws-" + short,
							"config_volume": "ws-" + short + "-configs", "workspace_volume": "ws-" + short + "-workspace",
							"workspace_access": "none", "network": acctest.Network, "image": acctest.StandinImage("langgraph"),
						}
						for k, v := range want {
							if rs[k] != v {
								return fmt.Errorf("state %s = %q, Docker says %q", k, rs[k], v)
							}
						}
						return nil
					},
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("config_sha256").AtMapKey("config.yaml"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("restart_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("oom_killed"), knownvalue.Bool(false)),
				},
			},
			{
				// Limits change through docker update: same container.
				Config: config(512, "1", "sk-first"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSameContainer(cli, id, &firstID),
					checkContainer(cli, id, func(info container.InspectResponse) error {
						if hc := info.HostConfig; hc.Memory != 512<<20 || hc.MemorySwap != 512<<20 || hc.NanoCPUs != 1e9 {
							return fmt.Errorf("limits after update: memory=%d swap=%d nanocpus=%d", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
						}
						if !info.State.Running {
							return fmt.Errorf("not running after a limits update")
						}
						return nil
					}),
				),
			},
			{
				// Docker cannot change env in place: the container is replaced
				// under the same name (destroy first, names are unique).
				Config: config(512, "1", "sk-second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectNewContainer(cli, id, &firstID),
					expectAgentAnswers(cli, id, map[string]string{"OPENAI_API_KEY": "sk-second"}),
				),
			},
			{
				ResourceName:                         addr,
				ImportState:                          true,
				ImportStateId:                        id,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore:              []string{"config_files", "timeouts"},
			},
		},
	})
}

// expectOwnedVolume checks that a volume exists with our ownership labels.
func expectOwnedVolume(cli *client.Client, id, name, role string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		exists, labels, err := acctest.VolumeExists(cli, name)
		switch {
		case err != nil:
			return err
		case !exists:
			return fmt.Errorf("volume %s missing", name)
		case !workspace.IsOwned(labels, id) || labels[workspace.LabelRole] != role:
			return fmt.Errorf("volume %s labels %v, want ours for %s with role %s", name, labels, id, role)
		}
		return nil
	}
}

// expectNoVolume checks that a volume does not exist.
func expectNoVolume(cli *client.Client, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		exists, _, err := acctest.VolumeExists(cli, name)
		if err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("volume %s exists, want none", name)
		}
		return nil
	}
}

// running = false creates the container without starting it; setting it to
// true starts the same container in place.
func TestAccWorkspace_createdStopped(t *testing.T) {
	id := acctest.RandomID("stopped")
	cli := acctest.Docker(t)
	addr := "molecule_workspace.test"
	config := func(running bool) string {
		return acctest.ProviderConfig() + workspaceHCL("test", id, configYAMLLine("stopped"), fmt.Sprintf("running = %t", running))
	}
	var containerID string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: config(false),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkContainer(cli, id, func(info container.InspectResponse) error {
						if info.State.Running || info.State.Status != "created" {
							return fmt.Errorf("state %q running %t, want created and not started", info.State.Status, info.State.Running)
						}
						return nil
					}),
					captureContainerID(cli, id, &containerID),
					resource.TestCheckResourceAttr(addr, "running", "false"),
					resource.TestCheckResourceAttr(addr, "status", "created"),
					resource.TestCheckResourceAttr(addr, "host_url", ""),
				),
				// The config files are in /configs before any start.
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("config_sha256").AtMapKey("config.yaml"), knownvalue.NotNull()),
				},
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSameContainer(cli, id, &containerID),
					expectAgentAnswers(cli, id, nil),
					resource.TestCheckResourceAttr(addr, "status", "running"),
				),
			},
		},
	})
}

// keep_volumes = true: destroy removes the container and leaves both volumes.
func TestAccWorkspace_keepVolumes(t *testing.T) {
	id := acctest.RandomID("keepvol")
	cli := acctest.Docker(t)
	short := workspace.ShortID(id)
	volumes := []string{"ws-" + short + "-configs", "ws-" + short + "-workspace"}
	t.Cleanup(func() { _ = acctest.RemoveVolumes(cli, volumes...) })
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if _, err := acctest.InspectContainer(cli, id); err == nil {
				return fmt.Errorf("container of %s survived destroy", id)
			}
			for _, v := range volumes {
				kind := workspace.RoleConfigVolume
				if strings.HasSuffix(v, "-workspace") {
					kind = workspace.RoleWorkspaceVolume
				}
				if err := expectOwnedVolume(cli, id, v, kind)(s); err != nil {
					return fmt.Errorf("keep_volumes = true: %w", err)
				}
			}
			if err := acctest.RemoveVolumes(cli, volumes...); err != nil {
				return err
			}
			return acctest.NothingLeft(cli, id)
		},
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig() + workspaceHCL("test", id, configYAMLLine("keepvol"), "keep_volumes = true"),
			Check:  expectAgentAnswers(cli, id, nil),
		}},
	})
}

// A host directory bound at /workspace read-only and one read-write: the
// mounts, the agent's view of the files, import, and a destroy that leaves
// the directories alone.
func TestAccWorkspace_hostDirectory(t *testing.T) {
	roID, rwID := acctest.RandomID("hostro"), acctest.RandomID("hostrw")
	cli := acctest.Docker(t)
	roDir, rwDir := t.TempDir(), t.TempDir()
	for _, d := range []string{roDir, rwDir} {
		if err := os.WriteFile(filepath.Join(d, "seed.txt"), []byte("seed of "+filepath.Base(d)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := acctest.ProviderConfig() +
		workspaceHCL("ro", roID, configYAMLLine("hostro"), fmt.Sprintf("workspace_path = %q", roDir), `workspace_access = "read_only"`) +
		workspaceHCL("rw", rwID, configYAMLLine("hostrw"), fmt.Sprintf("workspace_path = %q", rwDir))
	bindCheck := func(id, dir string, readOnly bool) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			checkContainer(cli, id, func(info container.InspectResponse) error {
				m, ok := mountAtTarget(info, "/workspace")
				if !ok || m.Type != mount.TypeBind || m.Source != dir || m.RW == readOnly {
					return fmt.Errorf("/workspace mount %+v, want bind of %s with rw=%t", m, dir, !readOnly)
				}
				if len(info.Mounts) != 2 {
					return fmt.Errorf("mounts %+v, want /configs and /workspace", info.Mounts)
				}
				return nil
			}),
			expectNoVolume(cli, workspace.WorkspaceVolumeName(id)),
			func(*terraform.State) error {
				code, body, err := acctest.AgentGet(cli, id, "/files?path=/workspace/seed.txt")
				if err != nil || code != 200 || body != "seed of "+filepath.Base(dir) {
					return fmt.Errorf("agent of %s reads /workspace/seed.txt as %q (code %d, err %v)", id, body, code, err)
				}
				return nil
			},
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			for _, d := range []string{roDir, rwDir} {
				if _, err := os.Stat(filepath.Join(d, "seed.txt")); err != nil {
					return fmt.Errorf("destroy touched the host directory %s: %w", d, err)
				}
			}
			return acctest.NothingLeft(cli, roID, rwID)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					bindCheck(roID, roDir, true),
					bindCheck(rwID, rwDir, false),
					resource.TestCheckResourceAttr("molecule_workspace.ro", "workspace_access", "read_only"),
					resource.TestCheckResourceAttr("molecule_workspace.rw", "workspace_access", "read_write"),
					resource.TestCheckResourceAttr("molecule_workspace.ro", "workspace_volume", ""),
				),
			},
			{
				ResourceName: "molecule_workspace.ro", ImportState: true, ImportStateId: roID,
				ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore: []string{"config_files", "timeouts"},
			},
			{
				ResourceName: "molecule_workspace.rw", ImportState: true, ImportStateId: rwID,
				ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore: []string{"config_files", "timeouts"},
			},
		},
	})
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// variantWorkspace is a workspace block on a stand-in variant image, with a
// minimal config.yaml unless an extra line sets config_files.
func variantWorkspace(name, id, image string, extra ...string) string {
	b := fmt.Sprintf("resource \"molecule_workspace\" %q {\n  workspace_id = %q\n  image = %q\n", name, id, image)
	files := fmt.Sprintf("config_files = { \"config.yaml\" = %q }", acctest.MinimalConfigYAML(name))
	for _, line := range extra {
		if strings.HasPrefix(line, "config_files") {
			files = line
			continue
		}
		b += "  " + line + "\n"
	}
	return b + "  " + files + "\n}\n"
}

// An image declaring VOLUME /configs /workspace /data (like the platform's
// older base image) applies cleanly at tiers 1 and 2 and plans no change
// afterwards (the framework's post-apply plan); the anonymous volumes the
// engine makes are not taken for the workspace volume, and they are removed
// with the container on replace and on destroy, while the anonymous volumes
// of a container made outside Terraform from the same image stay.
func TestAccWorkspace_imageWithVolumes(t *testing.T) {
	t1, t2 := acctest.RandomID("vol1"), acctest.RandomID("vol2")
	cli := acctest.Docker(t)
	image := acctest.StandinVariant("volumes")
	cfg := func(label string) string {
		return acctest.ProviderConfig() +
			variantWorkspace("t1", t1, image, "tier = 1", fmt.Sprintf("labels = { round = %q }", label)) +
			variantWorkspace("t2", t2, image, fmt.Sprintf("labels = { round = %q }", label))
	}
	var foreign map[string]string
	var first, second []string // anonymous volume names per round
	collect := func(into *[]string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			*into = nil
			for _, id := range []string{t1, t2} {
				anon, err := acctest.AnonymousVolumes(cli, id)
				if err != nil {
					return err
				}
				*into = append(*into, slices.Collect(maps.Values(anon))...)
			}
			return nil
		}
	}
	expectMounts := func() resource.TestCheckFunc {
		return func(*terraform.State) error {
			want := map[string][]string{t1: {"/data", "/workspace"}, t2: {"/data"}}
			for id, paths := range want {
				anon, err := acctest.AnonymousVolumes(cli, id)
				if err != nil {
					return err
				}
				if got := slices.Sorted(maps.Keys(anon)); !slices.Equal(got, paths) {
					return fmt.Errorf("workspace %s has anonymous volumes at %v, want %v", id, got, paths)
				}
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			foreign = acctest.CreateForeignVolumeContainer(t, cli, "tfacc-foreign-"+t1[5:12], image)
			if len(foreign) != 3 {
				t.Fatalf("the foreign container got anonymous volumes %v, want 3", foreign)
			}
		},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			acctest.CheckNothingLeft(cli, t1, t2),
			acctest.ExpectVolumesGone(cli, func() []string { return second }),
			expectVolumesExist(cli, func() []string { return slices.Collect(maps.Values(foreign)) }),
		),
		Steps: []resource.TestStep{
			{
				Config: cfg("one"),
				Check: resource.ComposeTestCheckFunc(
					acctest.ExpectServing(cli, t1), acctest.ExpectServing(cli, t2),
					resource.TestCheckResourceAttr("molecule_workspace.t1", "workspace_volume", ""),
					resource.TestCheckResourceAttr("molecule_workspace.t2", "workspace_volume", workspace.WorkspaceVolumeName(t2)),
					resource.TestCheckResourceAttr("molecule_workspace.t1", "config_volume", workspace.ConfigVolumeName(t1)),
					expectMounts(), collect(&first),
				),
			},
			{
				Config: cfg("two"), // labels replace the containers
				Check: resource.ComposeTestCheckFunc(
					acctest.ExpectServing(cli, t1), acctest.ExpectServing(cli, t2),
					expectMounts(), collect(&second),
					acctest.ExpectVolumesGone(cli, func() []string { return first }),
				),
			},
		},
	})
}

// The same image at tiers 3 and 4 (allow_privileged_tiers): created, not
// started, since engines in a sandbox cannot start privileged containers and
// Docker makes a container's anonymous volumes at create. Each applies
// cleanly and plans no change afterwards; the workspace volume is the named
// one, the engine's anonymous volume is at /data only (tier 4 also binds
// the Docker socket, which is no volume), and destroy removes it.
func TestAccWorkspace_imageWithVolumesPrivilegedTiers(t *testing.T) {
	t3, t4 := acctest.RandomID("vol3"), acctest.RandomID("vol4")
	cli := acctest.Docker(t)
	image := acctest.StandinVariant("volumes")
	var anonymous []string
	expectMounts := func(*terraform.State) error {
		anonymous = nil
		for _, id := range []string{t3, t4} {
			anon, err := acctest.AnonymousVolumes(cli, id)
			if err != nil {
				return err
			}
			if got := slices.Sorted(maps.Keys(anon)); !slices.Equal(got, []string{"/data"}) {
				return fmt.Errorf("workspace %s has anonymous volumes at %v, want [/data]", id, got)
			}
			anonymous = append(anonymous, slices.Collect(maps.Values(anon))...)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			acctest.CheckNothingLeft(cli, t3, t4),
			acctest.ExpectVolumesGone(cli, func() []string { return anonymous }),
		),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig("allow_privileged_tiers = true") +
				variantWorkspace("t3", t3, image, "tier = 3", "running = false") +
				variantWorkspace("t4", t4, image, "tier = 4", "running = false"),
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr("molecule_workspace.t3", "workspace_volume", workspace.WorkspaceVolumeName(t3)),
				resource.TestCheckResourceAttr("molecule_workspace.t4", "workspace_volume", workspace.WorkspaceVolumeName(t4)),
				resource.TestCheckResourceAttr("molecule_workspace.t3", "config_volume", workspace.ConfigVolumeName(t3)),
				expectMounts,
			),
		}},
	})
}

func expectVolumesExist(cli *client.Client, names func() []string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names() {
			exists, _, err := acctest.VolumeExists(cli, n)
			if err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("volume %s, not ours, was removed", n)
			}
		}
		return nil
	}
}

// expectAgentEnv checks, through the agent, a variable of its environment.
func expectAgentEnv(cli *client.Client, id, key, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		status, body, err := acctest.AgentGet(cli, id, "/env?key="+key)
		if err != nil || status != 200 || body != want {
			return fmt.Errorf("workspace %s: %s = %q (status %d, %v), want %q", id, key, body, status, err, want)
		}
		return nil
	}
}

// Images as they are: a non-root USER reads its secret files (mode 0600,
// owned by the agent uid), an ENTRYPOINT wrapper runs before the agent, a
// HEALTHCHECK image is healthy once apply returns, every agent sees
// PYTHONPATH=/app, and claude-code gets its sessions volume (owned,
// labelled, mounted at /root/.claude/sessions, removed on destroy).
func TestAccWorkspace_imageVariants(t *testing.T) {
	nonroot, entry, health, claude := acctest.RandomID("nonroot"), acctest.RandomID("entry"), acctest.RandomID("health"), acctest.RandomID("claude")
	cli := acctest.Docker(t)
	cfg := acctest.ProviderConfig() +
		variantWorkspace("nonroot", nonroot, acctest.StandinVariant("nonroot"), "tier = 1", `config_files = { "config.yaml" = "name: nonroot\n", ".auth_token" = "tok-123" }`) +
		variantWorkspace("entry", entry, acctest.StandinVariant("entrypoint")) +
		variantWorkspace("health", health, acctest.StandinVariant("healthcheck")) +
		fmt.Sprintf("resource \"molecule_workspace\" \"claude\" {\n  workspace_id = %q\n  runtime = \"claude-code\"\n  config_files = { \"config.yaml\" = %q }\n}\n", claude, acctest.MinimalConfigYAML("claude"))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			acctest.CheckNothingLeft(cli, nonroot, entry, health, claude),
			acctest.ExpectVolumesGone(cli, func() []string { return []string{workspace.SessionsVolumeName(claude)} }),
		),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeTestCheckFunc(
				func(*terraform.State) error {
					info := acctest.MustInspect(t, cli, nonroot)
					if info.Config.User != "1000:1000" {
						return fmt.Errorf("nonroot runs as %q", info.Config.User)
					}
					status, body, err := acctest.AgentGet(cli, nonroot, "/files?path=/configs/.auth_token")
					if err != nil || status != 200 || body != "tok-123" {
						return fmt.Errorf("uid 1000 cannot read /configs/.auth_token: status %d, %q, %v", status, body, err)
					}
					return nil
				},
				expectAgentEnv(cli, entry, "STANDIN_ENTRYPOINT", "wrapper"),
				func(*terraform.State) error {
					info := acctest.MustInspect(t, cli, health)
					if info.State.Health == nil || info.State.Health.Status != "healthy" {
						return fmt.Errorf("healthcheck workspace is not healthy once applied: %+v", info.State.Health)
					}
					return nil
				},
				expectAgentEnv(cli, nonroot, "PYTHONPATH", "/app"),
				expectAgentEnv(cli, claude, "PYTHONPATH", "/app"),
				func(*terraform.State) error {
					name := workspace.SessionsVolumeName(claude)
					exists, labels, err := acctest.VolumeExists(cli, name)
					if err != nil || !exists || !workspace.IsOwned(labels, claude) || labels[workspace.LabelRole] != workspace.RoleSessionsVolume {
						return fmt.Errorf("sessions volume %s: exists %v, labels %v, %v", name, exists, labels, err)
					}
					for _, m := range acctest.MustInspect(t, cli, claude).Mounts {
						if m.Destination == workspace.ClaudeSessionsPath && m.Name == name {
							return nil
						}
					}
					return fmt.Errorf("%s is not mounted at %s", name, workspace.ClaudeSessionsPath)
				},
			),
		}},
	})
}

// keep_volumes keeps claude-code's sessions volume with the others.
func TestAccWorkspace_claudeSessionsVolumeKept(t *testing.T) {
	id := acctest.RandomID("claudekeep")
	cli := acctest.Docker(t)
	kept := []string{workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id), workspace.SessionsVolumeName(id)}
	t.Cleanup(func() { _ = acctest.RemoveVolumes(cli, kept...) })
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             expectVolumesExist(cli, func() []string { return kept }),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  runtime = \"claude-code\"\n  keep_volumes = true\n  config_files = { \"config.yaml\" = %q }\n}\n", id, acctest.MinimalConfigYAML("keep")),
			Check:  expectVolumesExist(cli, func() []string { return kept }),
		}},
	})
}

// An image whose HEALTHCHECK fails (here: it asks the agent for a path it
// does not serve) makes the apply fail with the check's last output; the
// workspace is recorded (tainted) and destroy leaves nothing.
func TestAccWorkspace_unhealthyImageFailsApply(t *testing.T) {
	id := acctest.RandomID("unhealthy")
	cli := acctest.Docker(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig() + variantWorkspace("test", id, acctest.StandinVariant("healthcheck"), `env = { STANDIN_HEALTH_PATH = "/no-such-health-path" }`),
			ExpectError: acctest.MessageRegexp("became unhealthy", "Last health check", "GET /no-such-health-path: HTTP 404"),
		}},
	})
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Tests against the shared test registry (scripts/ensure-registry.sh). Each
// pushes the stand-in into a namespace of its own, so they run in parallel,
// and removes what it pulled.

// registryWorkspace is a workspace on the default image of its runtime.
func registryWorkspace(name, id string, extra ...string) string {
	b := fmt.Sprintf("resource \"molecule_workspace\" %q {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n", name, id, acctest.MinimalConfigYAML(name))
	for _, line := range extra {
		b += "  " + line + "\n"
	}
	return b + "}\n"
}

// defaultRef is the default image of langgraph under a namespace.
func defaultRef(namespace string) string {
	return workspace.DefaultImage(namespace, "langgraph")
}

// expectAbsent fails when the engine already has ref (the test must pull it).
func expectImageAbsent(t *testing.T, cli *client.Client, ref string) {
	t.Helper()
	if acctest.ImagePresent(cli, ref) {
		t.Fatalf("%s is already on the engine: the test would not pull", ref)
	}
}

// First use pulls the default image (image_registry + the platform's name)
// with the provider's registry_auth; image and image_digest record it.
func TestAccRegistry_pullOnFirstUseWithRegistryAuth(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	digest := reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	id := acctest.RandomID("pull")
	const addr = "molecule_workspace.test"
	labeled := fmt.Sprintf("labels = { digest-test = %q }", id)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t); expectImageAbsent(t, cli, ref) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: reg.ProviderBlock(ns) + registryWorkspace("test", id, labeled),
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "image", ref),
				resource.TestCheckResourceAttr(addr, "image_digest", digest),
				acctest.ExpectServing(cli, id),
				func(*terraform.State) error {
					if !acctest.ImagePresent(cli, ref) {
						return fmt.Errorf("%s was not pulled", ref)
					}
					return nil
				},
			),
		}, {
			// Both data sources report the digest too, read from the engine.
			Config: reg.ProviderBlock(ns) + registryWorkspace("test", id, labeled) + `
data "molecule_workspace" "read" {
  workspace_id = molecule_workspace.test.workspace_id
}
data "molecule_workspaces" "all" {
  labels     = { digest-test = "` + id + `" }
  depends_on = [molecule_workspace.test]
}
`,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr("data.molecule_workspace.read", "image_digest", digest),
				resource.TestCheckResourceAttr("data.molecule_workspaces.all", "workspaces.#", "1"),
				resource.TestCheckResourceAttr("data.molecule_workspaces.all", "workspaces.0.image_digest", digest),
			),
		}},
	})
}

// Credentials from a Docker client config file (DOCKER_CONFIG), no
// registry_auth; the pull shows its progress in TF_LOG=INFO (layers, bytes).
func TestAccRegistry_dockerConfigCredentials(t *testing.T) {
	t.Parallel()
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	acctest.PreCheck(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	digest := reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	expectImageAbsent(t, cli, ref)
	id := acctest.RandomID("dockercfg")

	cfgDir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(reg.User + ":" + reg.Password))
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"auths": {"`+reg.Host+`": {"auth": "`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	wd := acctest.NewWorkdir(t)
	logFile := filepath.Join(t.TempDir(), "tf.log")
	wd.Setenv("DOCKER_CONFIG="+cfgDir, "TF_LOG=INFO", "TF_LOG_PATH="+logFile)
	wd.SetConfig(fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_registry = %q\n}\n", acctest.Network, ns) + registryWorkspace("test", id))
	wd.DestroyOnCleanup()
	wd.MustRun("apply", "-auto-approve")
	inst := wd.StateInstances("molecule_workspace")
	if len(inst) != 1 || inst[0].String("image_digest") != digest || inst[0].String("image") != ref {
		t.Fatalf("state: %+v, want image %s digest %s", inst, ref, digest)
	}
	if err := acctest.ExpectServing(cli, id)(nil); err != nil {
		t.Fatal(err)
	}
	pulled, err := acctest.ReadProviderLog(logFile, "image pulled", ref)
	if err != nil || len(pulled) != 1 {
		t.Fatalf("want one 'image pulled' line for %s in the INFO log, got %d (%v)", ref, len(pulled), err)
	}
	for _, key := range []string{"layers", "layers_done", "bytes_total", "digest"} {
		if pulled[0].Field(key) == "" {
			t.Errorf("'image pulled' lacks %s: %s", key, pulled[0].Line)
		}
	}
	if data, _ := os.ReadFile(logFile); strings.Contains(string(data), reg.Password) {
		t.Errorf("the registry password appears in the TF_LOG=INFO log")
	}
	if r := wd.MustRun("destroy", "-auto-approve"); acctest.NothingLeft(cli, id) != nil {
		t.Fatalf("left after destroy: %v\n%s", acctest.NothingLeft(cli, id), r)
	}
}

// A wrong password fails the plan with one error naming the registry, the
// repository and the tag; nothing is created and the password is in no
// output, log or state.
func TestAccRegistry_wrongPassword(t *testing.T) {
	t.Parallel()
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	acctest.PreCheck(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	id := acctest.RandomID("wrongpw")
	wrong := "wrong-" + strings.Repeat("x", 6) + acctest.RandomID("pw")
	wd := acctest.NewWorkdir(t)
	logFile := filepath.Join(t.TempDir(), "tf.log")
	wd.Setenv("TF_LOG=INFO", "TF_LOG_PATH="+logFile)
	wd.SetConfig(fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_registry = %q\n  registry_auth = [{ address = %q, username = %q, password = %q }]\n}\n",
		acctest.Network, ns, reg.Host, reg.User, wrong) + registryWorkspace("test", id))
	wd.DestroyOnCleanup()
	r := wd.Run("apply", "-auto-approve")
	if r.Err == nil {
		t.Fatalf("apply with a wrong password succeeded:\n%s", r)
	}
	if !acctest.MessageRegexp("Image registry: authentication refused", "registry "+reg.Host, "repository "+strings.TrimPrefix(ns, reg.Host+"/")+"/workspace-template-langgraph", "tag latest", "the login given to the provider for "+reg.Host).MatchString(r.Output()) {
		t.Fatalf("unexpected error:\n%s", r)
	}
	logData, _ := os.ReadFile(logFile)
	for what, text := range map[string]string{"output": r.Output(), "log": string(logData), "state": wd.StateFile()} {
		if strings.Contains(text, wrong) {
			t.Errorf("the password appears in the %s", what)
		}
	}
	if err := acctest.NothingLeft(cli, id); err != nil {
		t.Fatal(err)
	}
	expectImageAbsent(t, cli, ref)
}

// A registry that stopped answering fails the plan: unreachable, naming it;
// nothing is created. It is a registry of the test's own.
func TestAccRegistry_registryStopped(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	own := reg.StartOwnRegistry(t)
	ns := own.Host + "/tfacc-" + strings.ToLower(acctest.RandomID("s")[5:12])
	own.Stop()
	id := acctest.RandomID("regstop")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_registry = %q\n}\n", acctest.Network, ns) + registryWorkspace("test", id),
			ExpectError: acctest.MessageRegexp("Image registry: unreachable", "registry "+own.Host, "workspace-template-langgraph", "tag latest",
				"cannot reach the registry"),
		}},
	})
	if err := acctest.NothingLeft(cli, id); err != nil {
		t.Fatal(err)
	}
}

// A tag the registry does not have fails the plan: not found.
func TestAccRegistry_tagMissing(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	reg.Push(t, cli, acctest.StandinImage("langgraph"), defaultRef(ns))
	id := acctest.RandomID("notag")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: reg.ProviderBlock(ns) + registryWorkspace("test", id, fmt.Sprintf("image = %q", ns+"/workspace-template-langgraph:no-such-tag")),
			ExpectError: acctest.MessageRegexp("Image registry: not found", "registry "+reg.Host, "workspace-template-langgraph", "tag no-such-tag",
				"has no such repository or tag"),
		}},
	})
}

// image_pull = "never" with the image absent: a plan error naming the tag,
// and nothing is pulled.
func TestAccRegistry_neverWithImageAbsent(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	id := acctest.RandomID("never")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t); expectImageAbsent(t, cli, ref) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if acctest.ImagePresent(cli, ref) {
				return fmt.Errorf("%s was pulled although image_pull is never", ref)
			}
			return acctest.NothingLeft(cli, id)
		},
		Steps: []resource.TestStep{{
			Config:      reg.ProviderBlock(ns) + registryWorkspace("test", id, `image_pull = "never"`),
			ExpectError: acctest.MessageRegexp("Image not found", `image "`+ref+`" is not present on the Docker engine and image_pull is "never"`),
		}},
	})
}

// image_pull = "always": a new image pushed under the same tag plans a
// replacement showing the old and the new digest, and the apply pulls it and
// serves from it; an unchanged tag plans nothing.
func TestAccRegistry_alwaysNewDigestReplaces(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	oldDigest := reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	var newDigest, newID string
	id := acctest.RandomID("always")
	const addr = "molecule_workspace.test"
	cfg := reg.ProviderBlock(ns, `image_pull = "always"`) + registryWorkspace("test", id)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(addr, "image_digest", oldDigest), acctest.ExpectServing(cli, id)),
			},
			{
				PreConfig: func() {
					tag := "always-" + strings.ToLower(id[5:12])
					newID = acctest.BuildVariantImage(t, cli, tag, "second")
					newDigest = reg.Push(t, cli, acctest.VariantImagePrefix+":"+tag, ref)
					if newDigest == oldDigest {
						t.Fatalf("the new push kept digest %s", oldDigest)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					lazyPlanCheck(func() []plancheck.PlanCheck {
						return []plancheck.PlanCheck{
							acctest.ExpectPriorValue(addr, "image_digest", oldDigest),
							plancheck.ExpectKnownValue(addr, tfjsonpath.New("image_digest"), knownvalue.StringExact(newDigest)),
						}
					}),
				}},
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error {
						return resource.TestCheckResourceAttr(addr, "image_digest", newDigest)(s)
					},
					expectContainerImage(cli, id, &newID),
					acctest.ExpectServing(cli, id),
				),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}

// A digest-pinned reference (repo:tag@sha256:...) pulls that digest, runs it
// and plans no change afterwards.
func TestAccRegistry_digestPinned(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	digest := reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	pinned := ref + "@" + digest
	t.Cleanup(func() { acctest.RemovePulled(cli, strings.TrimSuffix(ref, ":latest")+"@"+digest) })
	id := acctest.RandomID("pinned")
	const addr = "molecule_workspace.test"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: reg.ProviderBlock(ns) + registryWorkspace("test", id, fmt.Sprintf("image = %q", pinned)),
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "image", pinned),
				resource.TestCheckResourceAttr(addr, "image_digest", digest),
				acctest.ExpectServing(cli, id),
				func(*terraform.State) error {
					info := acctest.MustInspect(t, cli, id)
					if want := strings.TrimSuffix(ref, ":latest") + "@" + digest; info.Config.Image != want {
						return fmt.Errorf("container created from %q, want %q", info.Config.Image, want)
					}
					return nil
				},
			),
		}},
	})
}

// Ten workspaces on one image that is not on the engine: one pull (the
// engine's pull events for that repository during the apply).
func TestAccRegistry_onePullForTenWorkspaces(t *testing.T) {
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	ns := reg.Namespace()
	ref := defaultRef(ns)
	reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	ids := make([]string, 10)
	cfg := reg.ProviderBlock(ns)
	for i := range ids {
		ids[i] = acctest.RandomID(fmt.Sprintf("ten%d", i))
		cfg += registryWorkspace(fmt.Sprintf("w%d", i), ids[i])
	}
	var watch *acctest.PullWatch
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t); expectImageAbsent(t, cli, ref) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, ids...),
		Steps: []resource.TestStep{{
			PreConfig: func() { watch = acctest.WatchPulls(cli, strings.TrimSuffix(ref, ":latest")) },
			Config:    cfg,
			Check: func(*terraform.State) error {
				n, err := watch.Stop()
				if err != nil {
					return err
				}
				if n != 1 {
					return fmt.Errorf("%d pulls of %s for ten workspaces, want 1", n, ref)
				}
				for _, id := range ids {
					if err := acctest.ExpectServing(cli, id)(nil); err != nil {
						return err
					}
				}
				return nil
			},
		}},
	})
}

// Registry calls per plan, counted in the provider's API call log: none for
// a no-change plan with "missing", one per distinct image with "always"
// (three workspaces on one image).
func TestAccRegistry_callsPerPlan(t *testing.T) {
	t.Parallel()
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	acctest.PreCheck(t)
	ns := reg.Namespace()
	reg.Push(t, cli, acctest.StandinImage("langgraph"), defaultRef(ns))
	callLog := filepath.Join(t.TempDir(), "calls.log")
	wd := acctest.NewWorkdir(t)
	wd.Setenv("MOLECULE_TF_API_CALL_LOG=" + callLog)
	ids := []string{acctest.RandomID("calls0"), acctest.RandomID("calls1"), acctest.RandomID("calls2")}
	config := func(policy string) {
		cfg := reg.ProviderBlock(ns, fmt.Sprintf("image_pull = %q", policy))
		for i, id := range ids {
			cfg += registryWorkspace(fmt.Sprintf("w%d", i), id)
		}
		wd.SetConfig(cfg)
	}
	config(workspace.PullMissing)
	wd.DestroyOnCleanup()
	wd.MustRun("apply", "-auto-approve")
	distributionCalls := func(args ...string) int {
		_ = os.Remove(callLog)
		r := wd.MustRun(args...)
		data, _ := os.ReadFile(callLog)
		if !strings.Contains(r.Stdout, "No changes") {
			t.Fatalf("plan is not empty:\n%s", r)
		}
		return len(regexp.MustCompile(`(?m)^GET \S*/distribution/`).FindAllString(string(data), -1))
	}
	if n := distributionCalls("plan", "-detailed-exitcode"); n != 0 {
		t.Errorf("no-change plan with image_pull = missing made %d registry calls, want 0", n)
	}
	config(workspace.PullAlways)
	if n := distributionCalls("plan"); n != 1 {
		t.Errorf("plan with image_pull = always for 3 workspaces on one image made %d registry calls, want 1", n)
	}
}

// A registry that stops between plan and apply (a saved plan): the apply
// fails before anything of the workspace is made, naming the registry, and
// nothing is left on the engine or recorded in state. A registry of the
// test's own.
func TestAccRegistry_stoppedBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	acctest.PreCheck(t)
	own := reg.StartOwnRegistry(t)
	ns := own.Host + "/tfacc-" + strings.ToLower(acctest.RandomID("s")[5:12])
	ref := defaultRef(ns)
	reg.Push(t, cli, acctest.StandinImage("langgraph"), ref)
	expectImageAbsent(t, cli, ref)
	id := acctest.RandomID("stopapply")
	wd := acctest.NewWorkdir(t)
	wd.SetConfig(fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_registry = %q\n}\n", acctest.Network, ns) + registryWorkspace("test", id))
	// No DestroyOnCleanup: nothing may be created, and a destroy would have
	// to plan the new workspace against the stopped registry.
	wd.MustRun("plan", "-out=tfplan")
	own.Stop()
	r := wd.Run("apply", "tfplan")
	if r.Err == nil {
		t.Fatalf("apply succeeded with the registry stopped:\n%s", r)
	}
	if !acctest.MessageRegexp("registry "+own.Host, "workspace-template-langgraph", "tag latest", "unreachable", "cannot reach the registry").MatchString(r.Output()) {
		t.Fatalf("unexpected error:\n%s", r)
	}
	if err := acctest.NothingLeft(cli, id); err != nil {
		t.Fatal(err)
	}
	if inst := wd.StateInstances("molecule_workspace"); len(inst) != 0 {
		t.Fatalf("a workspace was recorded: %+v", inst)
	}
}

// image_pull = "always" and the registry goes away: a workspace that runs
// keeps its image (a warning at plan, no change), and destroy still works.
func TestAccRegistry_alwaysRegistryDownKeepsWorkspace(t *testing.T) {
	t.Parallel()
	reg, cli := acctest.TestRegistry(t), acctest.Docker(t)
	acctest.PreCheck(t)
	own := reg.StartOwnRegistry(t)
	ns := own.Host + "/tfacc-" + strings.ToLower(acctest.RandomID("s")[5:12])
	reg.Push(t, cli, acctest.StandinImage("langgraph"), defaultRef(ns))
	id := acctest.RandomID("alwaysdown")
	wd := acctest.NewWorkdir(t)
	wd.SetConfig(fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_registry = %q\n  image_pull = \"always\"\n}\n", acctest.Network, ns) + registryWorkspace("test", id))
	wd.DestroyOnCleanup()
	wd.MustRun("apply", "-auto-approve")
	own.Stop()
	r := wd.Run("plan", "-detailed-exitcode")
	if r.Err != nil || !acctest.MessageRegexp("Image registry unreachable: workspace keeps its image", "registry "+own.Host).MatchString(r.Output()) {
		t.Fatalf("want an empty plan with a warning:\n%s", r)
	}
	wd.MustRun("destroy", "-auto-approve")
	if err := acctest.NothingLeft(cli, id); err != nil {
		t.Fatal(err)
	}
}

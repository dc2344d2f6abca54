// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
)

// The fleet example exactly as a user runs it: the terraform CLI on a copy
// of examples/fleet, the provider built from this tree and installed through
// dev_overrides (the example's source address, no registry, no init). It is
// driven through the CLI rather than terraform-plugin-testing, whose legacy
// state shim does not support for_each, which the example is about.
//
// Three agents of mixed runtimes and tiers from a YAML file are applied and
// checked through Docker and over HTTP; then one agent is removed from the
// file, and the plan must destroy that one only; then everything is
// destroyed and nothing may be left on the engine.
func TestAccExampleFleet_appliesAndDestroys(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)

	agents := []fleetAgent{
		{acctest.RandomID("fleet-res"), "Researcher", "langgraph", 2},
		{acctest.RandomID("fleet-rev"), "Reviewer", "crewai", 1},
		{acctest.RandomID("fleet-cod"), "Coder", "claude-code", 2},
	}
	netName := "tfacc-fleet-" + strings.TrimPrefix(agents[0].id, acctest.IDPrefix)[:7]
	tf := newExampleRunner(t, "fleet")
	t.Cleanup(func() {
		if out, err := tf.run("destroy", "-auto-approve"); err != nil {
			t.Errorf("destroy: %v\n%s", err, out)
		}
		if err := acctest.NothingLeft(cli, agents[0].id, agents[1].id, agents[2].id); err != nil {
			t.Errorf("after destroy: %v", err)
		}
		if err := networkGone(cli, netName); err != nil {
			t.Errorf("after destroy: %v", err)
		}
	})

	images := map[string]string{}
	for _, rt := range provisioner.KnownRuntimes() {
		images[rt] = acctest.StandinImage(rt)
	}
	tf.writeVars(map[string]any{
		"agents_file":    writeAgentsFile(t, agents...),
		"network":        netName,
		"runtime_images": images,
	})
	if out, err := tf.run("apply", "-auto-approve"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	var hostURLs map[string]string
	tf.outputJSON("host_urls", &hostURLs)
	for _, a := range agents {
		if err := checkFleetAgentServes(cli, a, netName, hostURLs[a.id]); err != nil {
			t.Fatal(err)
		}
	}

	// Remove the reviewer from the YAML file: only its workspace goes.
	tf.writeVars(map[string]any{
		"agents_file":    writeAgentsFile(t, agents[0], agents[2]),
		"network":        netName,
		"runtime_images": images,
	})
	if out, err := tf.run("plan", "-out=tfplan"); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	actions := tf.planActions("tfplan")
	want := map[string]string{
		fmt.Sprintf("molecule_workspace.agent[%q]", agents[0].id): "no-op",
		fmt.Sprintf("molecule_workspace.agent[%q]", agents[1].id): "delete",
		fmt.Sprintf("molecule_workspace.agent[%q]", agents[2].id): "no-op",
		"molecule_network.fleet":                                  "no-op",
	}
	for addr, action := range want {
		if actions[addr] != action {
			t.Errorf("plan after removing the reviewer: %s is %q, want %q (all: %v)", addr, actions[addr], action, actions)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if out, err := tf.run("apply", "tfplan"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if err := acctest.NothingLeft(cli, agents[1].id); err != nil {
		t.Errorf("removed agent: %v", err)
	}
	for _, a := range []fleetAgent{agents[0], agents[2]} {
		if err := checkFleetAgentServes(cli, a, netName, hostURLs[a.id]); err != nil {
			t.Error(err)
		}
	}
}

// fleetAgent is one entry of the fleet example's agents file.
type fleetAgent struct {
	id, name, runtime string
	tier              int
}

func writeAgentsFile(t *testing.T, agents ...fleetAgent) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("agents:\n")
	for _, a := range agents {
		fmt.Fprintf(&b, "  - id: %s\n    name: %s\n    runtime: %s\n    tier: %d\n    model: none\n", a.id, a.name, a.runtime, a.tier)
	}
	path := filepath.Join(t.TempDir(), "agents.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// exampleRunner runs the terraform CLI on a scratch copy of one example
// directory, with the provider built from this tree through dev_overrides.
type exampleRunner struct {
	t         *testing.T
	dir       string
	terraform string
	env       []string
}

func newExampleRunner(t *testing.T, example string) *exampleRunner {
	t.Helper()
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		var err error
		if terraformPath, err = exec.LookPath("terraform"); err != nil {
			t.Fatal("terraform not found: set TF_ACC_TERRAFORM_PATH or put it on PATH")
		}
	}
	work := t.TempDir()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(work, "bin", "terraform-provider-molecule"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"molecule-ai/molecule\" = %q\n  }\n  direct {}\n}\n", filepath.Join(work, "bin"))
	if err := os.WriteFile(filepath.Join(work, "terraformrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, example)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "examples", example))); err != nil {
		t.Fatalf("copying examples/%s: %v", example, err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(work, "terraformrc"), "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_CLI_ARGS=-no-color", "CHECKPOINT_DISABLE=1")
	return &exampleRunner{t: t, dir: dir, terraform: terraformPath, env: env}
}

// run runs one terraform command in the example's copy; output is combined.
func (r *exampleRunner) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.terraform, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (r *exampleRunner) writeVars(vars map[string]any) {
	r.t.Helper()
	data, err := json.Marshal(vars)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "test.auto.tfvars.json"), data, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *exampleRunner) outputJSON(name string, into any) {
	r.t.Helper()
	out, err := r.run("output", "-json", name)
	if err != nil {
		r.t.Fatalf("output %s: %v\n%s", name, err, out)
	}
	if err := json.Unmarshal([]byte(out), into); err != nil {
		r.t.Fatalf("output %s: %v\n%s", name, err, out)
	}
}

// planActions maps each resource address in a saved plan to its action
// ("no-op", "create", "update", "delete", "delete+create", ...).
func (r *exampleRunner) planActions(planFile string) map[string]string {
	r.t.Helper()
	out, err := r.run("show", "-json", planFile)
	if err != nil {
		r.t.Fatalf("show %s: %v\n%s", planFile, err, out)
	}
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		r.t.Fatalf("show %s: %v", planFile, err)
	}
	actions := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		actions[rc.Address] = strings.Join(rc.Change.Actions, "+")
	}
	return actions
}

// checkFleetAgentServes checks through Docker that the agent's container runs
// on the fleet network with its runtime and its tier's isolation, that the
// example's host URL output is its published port, and that the agent card
// served there (from the generated config.yaml) names it.
func checkFleetAgentServes(cli *client.Client, a fleetAgent, netName, hostURL string) error {
	info, err := acctest.InspectContainer(cli, a.id)
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	if !info.State.Running {
		return fmt.Errorf("%s: container %s is %s", a.name, info.Name, info.State.Status)
	}
	if _, ok := info.NetworkSettings.Networks[netName]; !ok {
		return fmt.Errorf("%s: not on network %s", a.name, netName)
	}
	if got := info.Config.Labels[provisioner.LabelRuntime]; got != a.runtime {
		return fmt.Errorf("%s: runtime label %q, want %q", a.name, got, a.runtime)
	}
	if got := info.Config.Image; got != acctest.StandinImage(a.runtime) {
		return fmt.Errorf("%s: image %q, want %q", a.name, got, acctest.StandinImage(a.runtime))
	}
	if info.HostConfig.ReadonlyRootfs != (a.tier == 1) {
		return fmt.Errorf("%s: tier %d but read-only rootfs = %v", a.name, a.tier, info.HostConfig.ReadonlyRootfs)
	}
	ports := info.NetworkSettings.Ports["8000/tcp"]
	if len(ports) == 0 || hostURL != "http://127.0.0.1:"+ports[0].HostPort {
		return fmt.Errorf("%s: host_urls output %q does not match the published port %v", a.name, hostURL, ports)
	}
	code, body, err := acctest.HTTPGet(hostURL + "/.well-known/agent-card.json")
	if err != nil || code != 200 || !strings.Contains(body, `"name":"`+a.name+`"`) {
		return fmt.Errorf("%s: agent card at %s: status %d, err %v, body %.200q", a.name, hostURL, code, err, body)
	}
	return nil
}

func networkGone(cli *client.Client, name string) error {
	_, err := cli.NetworkInspect(context.Background(), name, network.InspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return fmt.Errorf("network %s still exists (err=%v)", name, err)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
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
	tf := acctest.NewExampleWorkdir(t, "fleet")
	t.Cleanup(func() {
		if r := tf.Run("destroy", "-auto-approve"); r.Err != nil {
			t.Errorf("destroy: %s", r)
		}
		if err := acctest.NothingLeft(cli, agents[0].id, agents[1].id, agents[2].id); err != nil {
			t.Errorf("after destroy: %v", err)
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
		"agents_file":    writeAgentsFile(t, agents...),
		"network":        netName,
		"runtime_images": images,
	})
	tf.MustRun("apply", "-auto-approve")
	var hostURLs map[string]string
	tf.OutputJSON("host_urls", &hostURLs)
	for _, a := range agents {
		if err := checkFleetAgentServes(cli, a, netName, hostURLs[a.id]); err != nil {
			t.Fatal(err)
		}
	}

	// Remove the reviewer from the YAML file: only its workspace goes.
	tf.WriteVars(map[string]any{
		"agents_file":    writeAgentsFile(t, agents[0], agents[2]),
		"network":        netName,
		"runtime_images": images,
	})
	tf.MustRun("plan", "-out=tfplan")
	actions := tf.PlanActions("tfplan")
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
	tf.MustRun("apply", "tfplan")
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
	if got := info.Config.Labels[workspace.LabelRuntime]; got != a.runtime {
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

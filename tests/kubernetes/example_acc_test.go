// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// exampleAgent is one entry of the example's agents.yaml.
type exampleAgent struct {
	id, name, runtime string
	tier              int
}

// writeExampleAgents writes an agents.yaml in the example's format, each
// agent small enough (0.2 CPU) for the 2-CPU test node to hold the fleet
// beside the other tests' pods: requests equal limits.
func writeExampleAgents(t *testing.T, agents ...exampleAgent) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("agents:\n")
	for _, a := range agents {
		fmt.Fprintf(&b, "  - id: %s\n    name: %s\n    runtime: %s\n    tier: %d\n    memory_mb: 256\n    cpus: 0.2\n    env:\n      ROLE: %s\n", a.id, a.name, a.runtime, a.tier, a.name)
	}
	file := filepath.Join(t.TempDir(), "agents.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// examples/fleet-kubernetes exactly as a user runs it: the terraform CLI on
// a copy of the example, the provider from this tree through dev_overrides.
// Three agents of mixed runtimes and tiers are applied and checked through
// the Kubernetes API and at their pods; one agent removed from the file is
// the only one the plan destroys; destroy leaves nothing with our labels.
func TestAccKubernetesExampleFleet_appliesAndDestroys(t *testing.T) {
	b := newBackend(t)
	agents := []exampleAgent{
		{acctest.RandomID("kf-res"), "Researcher", "langgraph", 2},
		{acctest.RandomID("kf-rev"), "Reviewer", "crewai", 1},
		{acctest.RandomID("kf-cod"), "Coder", "claude-code", 2},
	}
	images := map[string]string{}
	for _, rt := range workspace.KnownRuntimes() {
		images[rt] = standinImage
	}
	vars := func(list ...exampleAgent) map[string]any {
		return map[string]any{
			"agents_file":       writeExampleAgents(t, list...),
			"kubeconfig":        os.Getenv(kubeconfigEnv),
			"namespace":         b.ns,
			"config_init_image": configInitImage,
			"runtime_images":    images,
			"image_pull":        "never",
		}
	}
	tf := acctest.NewExampleWorkdir(t, "fleet-kubernetes")
	t.Cleanup(func() {
		if r := tf.Run("destroy", "-auto-approve"); r.Err != nil {
			t.Errorf("destroy: %s", r)
		}
		for kind, n := range b.owned(t, "") {
			if n != 0 {
				t.Errorf("%d %s objects with our labels left in %s after destroy", n, kind, b.ns)
			}
		}
	})

	tf.WriteVars(vars(agents...))
	tf.MustRun("apply", "-auto-approve")
	var urls map[string]string
	tf.OutputJSON("internal_urls", &urls)
	for _, a := range agents {
		checkExampleAgent(t, b, a, urls[a.id])
	}

	// Remove the reviewer from the YAML file: only its workspace goes.
	tf.WriteVars(vars(agents[0], agents[2]))
	tf.MustRun("plan", "-out=tfplan")
	actions := tf.PlanActions("tfplan")
	for i, want := range []string{"no-op", "delete", "no-op"} {
		addr := fmt.Sprintf("molecule_workspace.agent[%q]", agents[i].id)
		if actions[addr] != want {
			t.Errorf("plan after removing the reviewer: %s is %q, want %q (all: %v)", addr, actions[addr], want, actions)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	tf.MustRun("apply", "tfplan")
	for kind, n := range b.owned(t, agents[1].id) {
		if n != 0 {
			t.Errorf("removed agent: %d %s objects left", n, kind)
		}
	}
	for _, a := range []exampleAgent{agents[0], agents[2]} {
		checkExampleAgent(t, b, a, urls[a.id])
	}
}

// checkExampleAgent: the agent's pod is Ready and serves its own config and
// env; its Service address is the output; tier 1 has no /workspace claim.
func checkExampleAgent(t *testing.T, b testBackend, a exampleAgent, internalURL string) {
	t.Helper()
	name := workspace.ContainerName(a.id)
	if want := fmt.Sprintf("http://%s.%s.svc:%d", name, b.ns, agentPort); internalURL != want {
		t.Errorf("%s: internal_url %q, want %q", a.name, internalURL, want)
	}
	pod := b.readyPod(t, a.id)
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/env?key=ROLE"), ""); body != a.name {
		t.Errorf("%s: ROLE in the pod is %q", a.name, body)
	}
	// yamlencode quotes keys and strings: look for the values.
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/files?path=/configs/config.yaml"), ""); !strings.Contains(body, a.runtime) || !strings.Contains(body, a.name) {
		t.Errorf("%s: /configs/config.yaml in the pod reads %q", a.name, body)
	}
	claims := b.owned(t, a.id)["PersistentVolumeClaim"]
	want := 2 // /configs and /workspace
	if a.tier == 1 {
		want = 1
	}
	if a.runtime == workspace.ClaudeCodeRuntime {
		want++ // the sessions claim
	}
	if claims != want {
		t.Errorf("%s (tier %d, %s): %d claims, want %d", a.name, a.tier, a.runtime, claims, want)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// examples/fleet-kubernetes exactly as a user runs it (the terraform CLI,
// the provider built from this tree through dev_overrides): three agents of
// mixed runtimes and tiers from a YAML file on the test cluster, each
// serving its config; one removed from the file goes alone; destroy leaves
// nothing with our labels.
func TestAccKubernetesExampleFleet_appliesAndDestroys(t *testing.T) {
	b := newBackend(t)
	type agent struct {
		id, name, runtime string
		tier              int
	}
	agents := []agent{
		{acctest.RandomID("res"), "Researcher", "langgraph", 2},
		{acctest.RandomID("rev"), "Reviewer", "crewai", 1},
		{acctest.RandomID("cod"), "Coder", "claude-code", 2},
	}
	writeAgents := func(list ...agent) string {
		var s strings.Builder
		s.WriteString("agents:\n")
		for _, a := range list {
			// Small requests: the test cluster is one node of 2 CPUs.
			fmt.Fprintf(&s, "  - id: %s\n    name: %s\n    runtime: %s\n    tier: %d\n    model: none\n    cpus: 0.25\n    memory_mb: 128\n", a.id, a.name, a.runtime, a.tier)
		}
		p := filepath.Join(t.TempDir(), "agents.yaml")
		if err := os.WriteFile(p, []byte(s.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	images := map[string]string{}
	for _, rt := range workspace.KnownRuntimes() {
		images[rt] = standinImage // only this stand-in is loaded into the cluster
	}
	vars := func(file string) map[string]any {
		return map[string]any{"agents_file": file, "kubeconfig": os.Getenv(kubeconfigEnv), "namespace": b.ns,
			"config_init_image": configInitImage, "runtime_images": images, "image_pull": "never"}
	}
	tf := acctest.NewExampleWorkdir(t, "fleet-kubernetes")
	t.Cleanup(func() {
		if r := tf.Run("destroy", "-auto-approve"); r.Err != nil {
			t.Errorf("destroy: %s", r)
		}
		for kind, n := range b.owned(t, "") {
			if n != 0 {
				t.Errorf("after destroy: %d %s objects with our labels left", n, kind)
			}
		}
	})
	tf.WriteVars(vars(writeAgents(agents...)))
	tf.MustRun("apply", "-auto-approve")
	var urls map[string]string
	tf.OutputJSON("internal_urls", &urls)
	for _, a := range agents {
		if want := fmt.Sprintf("http://%s.%s.svc:8000", workspace.ContainerName(a.id), b.ns); urls[a.id] != want {
			t.Errorf("%s: internal_url %q, want %q", a.name, urls[a.id], want)
		}
		pod := b.readyPod(t, a.id)
		readOnly := pod.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem
		if (readOnly != nil && *readOnly) != (a.tier == 1) {
			t.Errorf("%s: tier %d, read-only root filesystem %v", a.name, a.tier, readOnly)
		}
		code, body, _ := fetch(t, "GET", agentURL(pod, workspace.DefaultReadyPath), "")
		var card map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &card) != nil || card["name"] != a.name {
			t.Errorf("%s: agent card %d %.200s", a.name, code, body)
		}
		claims := b.owned(t, a.id)["PersistentVolumeClaim"]
		want := map[int]int{1: 1, 2: 2}[a.tier]
		if a.runtime == workspace.ClaudeCodeRuntime {
			want++ // the sessions claim
		}
		if claims != want {
			t.Errorf("%s: %d claims, want %d", a.name, claims, want)
		}
	}

	tf.WriteVars(vars(writeAgents(agents[0], agents[2])))
	tf.MustRun("plan", "-out=tfplan")
	actions := tf.PlanActions("tfplan")
	for i, a := range agents {
		want := map[bool]string{true: "delete", false: "no-op"}[i == 1]
		if addr := fmt.Sprintf("molecule_workspace.agent[%q]", a.id); actions[addr] != want {
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
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Kubernetes backend driven directly (no Terraform) against the test
// cluster; every check reads the cluster through its API or asks the agent
// at its pod IP.

func TestAccKubernetesBackend_tiers(t *testing.T) {
	b := newBackend(t)
	for _, tier := range []int{1, 2, 3} {
		s := spec(tier, "tier"+string(rune('0'+tier)))
		s.ConfigFiles["prompts/system.md"] = "be brief\n\x01binary-ish but valid UTF-8 \u00e9\n"
		s.SecretEnv, s.SecretEnvVersion = map[string]string{"MOLECULE_HIDDEN": "wo-value"}, "1"
		s.PlatformToken, s.PlatformTokenVersion = "token-"+s.WorkspaceID, "1"
		obs := b.create(t, s)
		limits := workspace.EffectiveLimits(s)
		if !obs.Running || obs.Status != workspace.StatusRunning || obs.Tier != tier || obs.MemoryMB != limits.MemoryMB || obs.CPUs != limits.CPUs {
			t.Errorf("tier %d: observed %+v", tier, obs)
		}
		ctx := context.Background()
		name := s.ContainerName()

		dep, err := b.cs.AppsV1().Deployments(b.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !workspace.IsOwned(dep.Labels, s.WorkspaceID) || dep.Spec.Strategy.Type != "Recreate" || *dep.Spec.Replicas != 1 {
			t.Errorf("tier %d: Deployment labels %v, strategy %s, replicas %d", tier, dep.Labels, dep.Spec.Strategy.Type, *dep.Spec.Replicas)
		}
		pod := b.readyPod(t, s.WorkspaceID)
		agent := pod.Spec.Containers[0]
		sc := agent.SecurityContext
		readOnly := sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		privileged := sc != nil && sc.Privileged != nil && *sc.Privileged
		if readOnly != (tier == 1) || privileged != (tier == 3) || pod.Spec.HostPID != (tier == 3) || pod.Spec.HostNetwork {
			t.Errorf("tier %d: readOnlyRootFilesystem %t, privileged %t, hostPID %t, hostNetwork %t", tier, readOnly, privileged, pod.Spec.HostPID, pod.Spec.HostNetwork)
		}
		for what, r := range map[string]corev1.ResourceList{"limits": agent.Resources.Limits, "requests": agent.Resources.Requests} {
			if r.Memory().Value() != limits.MemoryMB<<20 || r.Cpu().MilliValue() != int64(limits.CPUs*1000) {
				t.Errorf("tier %d: %s %s / %s, want %d MiB / %g CPU", tier, what, r.Memory(), r.Cpu(), limits.MemoryMB, limits.CPUs)
			}
		}
		if p := agent.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != workspace.DefaultReadyPath || p.HTTPGet.Port.IntValue() != agentPort {
			t.Errorf("tier %d: readiness probe %+v", tier, p)
		}
		if len(agent.Env) != 0 || len(agent.EnvFrom) != 1 || agent.EnvFrom[0].SecretRef == nil {
			t.Errorf("tier %d: env must come only from the Secret: env %v, envFrom %v", tier, agent.Env, agent.EnvFrom)
		}
		podJSON, _ := json.Marshal(pod)
		depJSON, _ := json.Marshal(dep)
		for _, secret := range []string{s.Env["MOLECULE_TEST_VALUE"], "wo-value", s.PlatformToken} {
			if strings.Contains(string(podJSON), secret) || strings.Contains(string(depJSON), secret) {
				t.Errorf("tier %d: %q appears in the pod or Deployment", tier, secret)
			}
		}

		svc, err := b.cs.CoreV1().Services(b.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != agentPort || !workspace.IsOwned(svc.Labels, s.WorkspaceID) {
			t.Errorf("tier %d: Service %+v", tier, svc.Spec)
		}
		for k, v := range svc.Spec.Selector {
			if pod.Labels[k] != v {
				t.Errorf("tier %d: the Service selects %s=%s, which the pod lacks", tier, k, v)
			}
		}
		env, err := b.cs.CoreV1().Secrets(b.ns).Get(ctx, backend.EnvSecretName(s.WorkspaceID), metav1.GetOptions{})
		if err != nil || string(env.Data["MOLECULE_TEST_VALUE"]) != s.Env["MOLECULE_TEST_VALUE"] || string(env.Data["MOLECULE_HIDDEN"]) != "wo-value" {
			t.Errorf("tier %d: env Secret %v, %v", tier, env, err)
		}
		if cms, _ := b.cs.CoreV1().ConfigMaps(b.ns).List(ctx, metav1.ListOptions{LabelSelector: workspace.LabelManaged + "=true"}); len(cms.Items) != 0 {
			t.Errorf("tier %d: ConfigMaps of ours exist: %d", tier, len(cms.Items))
		}
		claims, err := b.cs.CoreV1().PersistentVolumeClaims(b.ns).List(ctx, metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID + "=" + s.WorkspaceID})
		if err != nil {
			t.Fatal(err)
		}
		wantClaims := map[string]bool{s.ConfigVolume(): true}
		if tier != 1 {
			wantClaims[workspace.WorkspaceVolumeName(s.WorkspaceID)] = true
		}
		if len(claims.Items) != len(wantClaims) {
			t.Errorf("tier %d: %d claims, want %v", tier, len(claims.Items), wantClaims)
		}
		for _, c := range claims.Items {
			if !wantClaims[c.Name] || c.Status.Phase != corev1.ClaimBound || !workspace.IsOwned(c.Labels, s.WorkspaceID) {
				t.Errorf("tier %d: claim %s phase %s labels %v", tier, c.Name, c.Status.Phase, c.Labels)
			}
		}

		// The agent serves, from the files the init container put in /configs.
		var card map[string]any
		if code, body, _ := fetch(t, "GET", agentURL(pod, workspace.DefaultReadyPath), ""); code != 200 || json.Unmarshal([]byte(body), &card) != nil || card["name"] != s.WorkspaceID {
			t.Errorf("tier %d: agent card %d %s", tier, code, body)
		}
		for rel, content := range s.ConfigFiles {
			code, body, mode := fetch(t, "GET", agentURL(pod, "/files?path=/configs/"+rel), "")
			if code != 200 || body != content || mode != "0644" {
				t.Errorf("tier %d: /configs/%s: %d, mode %s, %q; want %q, 0644", tier, rel, code, mode, body, content)
			}
		}
		if code, body, mode := fetch(t, "GET", agentURL(pod, "/files?path=/configs/.auth_token"), ""); code != 200 || body != s.PlatformToken || mode != "0600" {
			t.Errorf("tier %d: .auth_token: %d, mode %s, %q", tier, code, mode, body)
		}
		if code, body, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/configs/written-by-runtime"), "x"); code != 204 {
			t.Errorf("tier %d: /configs is not writable for the agent: %d %s", tier, code, body)
		}
		for key, want := range map[string]string{"MOLECULE_TEST_VALUE": s.Env["MOLECULE_TEST_VALUE"], "MOLECULE_HIDDEN": "wo-value", "WORKSPACE_ID": s.WorkspaceID, "TIER": string(rune('0' + tier))} {
			if code, body, _ := fetch(t, "GET", agentURL(pod, "/env?key="+key), ""); code != 200 || body != want {
				t.Errorf("tier %d: env %s in the pod: %d %q, want %q", tier, key, code, body, want)
			}
		}
		if tier == 1 {
			if code, _, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/written-to-root"), "x"); code != 403 {
				t.Errorf("tier 1: writing to the root filesystem answered %d, want 403 (read-only)", code)
			}
			if code, body, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/tmp/scratch"), "x"); code != 204 {
				t.Errorf("tier 1: /tmp is not writable: %d %s", code, body)
			}
		}

		b.remove(t, s, false)
		for kind, n := range b.owned(t, s.WorkspaceID) {
			if n != 0 {
				t.Errorf("tier %d: %d %s objects with our labels left after delete", tier, n, kind)
			}
		}
	}
}

// Limits and files change in place: same Deployment, same claims (data in
// /workspace survives), new limits and files in the new pod.
func TestAccKubernetesBackend_updateInPlace(t *testing.T) {
	b := newBackend(t)
	s := spec(2, "update")
	b.create(t, s)
	defer b.remove(t, s, false)
	ctx := context.Background()
	before, _ := b.cs.AppsV1().Deployments(b.ns).Get(ctx, s.ContainerName(), metav1.GetOptions{})
	pod := b.readyPod(t, s.WorkspaceID)
	if code, _, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/workspace/kept"), "data"); code != 204 {
		t.Fatalf("writing /workspace: %d", code)
	}

	s.MemoryMB, s.CPUs = 768, 0.5
	s.ConfigFiles = map[string]string{"config.yaml": "name: updated\nruntime: langgraph\n"}
	obs, err := b.c.Update(ctx, s, workspace.Changes{Limits: true, Files: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obs.MemoryMB != 768 || obs.CPUs != 0.5 || !obs.Running || obs.ConfigHashes["config.yaml"] != workspace.HashContent([]byte(s.ConfigFiles["config.yaml"])) {
		t.Errorf("observed after update: %+v", obs)
	}
	after, _ := b.cs.AppsV1().Deployments(b.ns).Get(ctx, s.ContainerName(), metav1.GetOptions{})
	if after.UID != before.UID {
		t.Error("the Deployment was replaced, not updated")
	}
	pod = b.readyPod(t, s.WorkspaceID)
	if m := pod.Spec.Containers[0].Resources.Limits.Memory(); m.Value() != 768<<20 {
		t.Errorf("pod memory limit %s", m)
	}
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/files?path=/configs/config.yaml"), ""); body != s.ConfigFiles["config.yaml"] {
		t.Errorf("config.yaml after update: %q", body)
	}
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/files?path=/workspace/kept"), ""); body != "data" {
		t.Errorf("/workspace lost its data over the update: %q", body)
	}
	// Read back: what the cluster holds is what was asked.
	again, err := b.c.Inspect(ctx, s.WorkspaceID, true)
	if err != nil || again.MemoryMB != 768 || again.Image != s.Image || again.UserEnv["MOLECULE_TEST_VALUE"] != s.Env["MOLECULE_TEST_VALUE"] {
		t.Errorf("inspect after update: %+v, %v", again, err)
	}
}

// running = false scales to 0 and keeps the claims; true brings the pod
// back with them. A pod deleted behind our back is recreated by the
// controller, and the workspace reads the same.
func TestAccKubernetesBackend_runningFalseTrue(t *testing.T) {
	b := newBackend(t)
	s := spec(2, "running")
	b.create(t, s)
	defer b.remove(t, s, false)
	ctx := context.Background()
	pod := b.readyPod(t, s.WorkspaceID)
	if code, _, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/configs/runtime-state"), "kept"); code != 204 {
		t.Fatalf("writing /configs: %d", code)
	}
	first, _ := b.c.Inspect(ctx, s.WorkspaceID, true)
	if err := b.cs.CoreV1().Pods(b.ns).Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new Ready pod", func() bool {
		obs, err := b.c.Inspect(ctx, s.WorkspaceID, true)
		return err == nil && obs.Running && len(b.pods(t, s.WorkspaceID)) == 1 && b.pods(t, s.WorkspaceID)[0].Name != pod.Name
	})
	second, _ := b.c.Inspect(ctx, s.WorkspaceID, true)
	if second.ContainerID != first.ContainerID || second.Isolation != first.Isolation || second.Image != first.Image || second.MemoryMB != first.MemoryMB {
		t.Errorf("a pod recreated by the controller reads as a change: %+v then %+v", first, second)
	}

	s.Running = false
	obs, err := b.c.Update(ctx, s, workspace.Changes{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Running || obs.Status != workspace.StatusExited || len(b.pods(t, s.WorkspaceID)) != 0 {
		t.Errorf("after running = false: running %t status %s, %d pods", obs.Running, obs.Status, len(b.pods(t, s.WorkspaceID)))
	}
	if n := b.owned(t, s.WorkspaceID)["PersistentVolumeClaim"]; n != 2 {
		t.Errorf("%d claims while stopped, want 2", n)
	}

	s.Running = true
	if obs, err = b.c.Update(ctx, s, workspace.Changes{}, nil); err != nil || !obs.Running {
		t.Fatalf("running = true: %+v, %v", obs, err)
	}
	pod = b.readyPod(t, s.WorkspaceID)
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/files?path=/configs/runtime-state"), ""); body != "kept" {
		t.Errorf("a file the runtime wrote in /configs did not survive the stop: %q", body)
	}
}

// A crash, an OOM kill and a missing image fail the create within seconds,
// with the exit code, the OOM kill and the logs; the Deployment is kept
// (recorded, tainted) but scaled to 0. An agent that runs but never answers
// its probe fails at ready_timeout with the probe's answer.
func TestAccKubernetesBackend_failuresAreFast(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()

	crash := spec(2, "crash")
	crash.Env["STANDIN_CRASH_EXIT"] = "3"
	start := time.Now()
	obs, err := b.c.Create(ctx, crash, nil)
	var ce *workspace.CrashError
	if !errors.As(err, &ce) || ce.ExitCode != 3 || ce.OOMKilled || !strings.Contains(strings.Join(ce.Logs, "\n"), "crashing on purpose with code 3") {
		t.Fatalf("crash: %v", err)
	}
	t.Logf("crash reported in %.1fs: %v", time.Since(start).Seconds(), err)
	if time.Since(start) > 30*time.Second {
		t.Errorf("the crash took %s to report", time.Since(start))
	}
	dep, _ := b.cs.AppsV1().Deployments(b.ns).Get(ctx, crash.ContainerName(), metav1.GetOptions{})
	if !obs.Exists || dep == nil || *dep.Spec.Replicas != 0 {
		t.Errorf("after a crash: observation exists %t, replicas %v: want the Deployment kept and scaled to 0", obs.Exists, dep.Spec.Replicas)
	}
	b.remove(t, crash, false)

	oom := spec(2, "oom")
	oom.MemoryMB = 64
	oom.Env["STANDIN_ALLOC_MB"] = "256"
	// Grown after 300 ms, as agents do: an agent killed at once can die
	// before the runtime watches its memory cgroup, and no OOM is reported.
	oom.Env["STANDIN_ALLOC_DELAY_MS"] = "300"
	start = time.Now()
	_, err = b.c.Create(ctx, oom, nil)
	if !errors.As(err, &ce) || !ce.OOMKilled {
		t.Fatalf("OOM: %v", err)
	}
	t.Logf("OOM kill reported in %.1fs: %v", time.Since(start).Seconds(), err)
	b.remove(t, oom, false)

	absent := spec(2, "noimage")
	absent.Image = "molecule-tf-absent:never-built"
	_, err = b.c.Create(ctx, absent, nil)
	var ie *backend.ImageError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `"molecule-tf-absent:never-built"`) {
		t.Fatalf("missing image: %v", err)
	}
	b.remove(t, absent, false)

	silent := spec(2, "notready")
	// Long enough for a busy node to start the pod and probe it a few times.
	silent.ReadyPath, silent.ReadyTimeout = "/no-such-path", 20*time.Second
	_, err = b.c.Create(ctx, silent, nil)
	var nr *workspace.NotReadyError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("not ready: %v", err)
	}
	b.remove(t, silent, false)
	for kind, n := range b.owned(t, "") {
		if n != 0 {
			t.Errorf("%d %s objects with our labels left", n, kind)
		}
	}
}

// keep_volumes leaves the claims (listed as detached); the next create of
// the id reuses them, data included.
func TestAccKubernetesBackend_keepVolumes(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	s := spec(2, "keep")
	b.create(t, s)
	pod := b.readyPod(t, s.WorkspaceID)
	if code, _, _ := fetch(t, "PUT", agentURL(pod, "/files?path=/workspace/kept"), "data"); code != 204 {
		t.Fatalf("writing /workspace: %d", code)
	}
	b.remove(t, s, true)
	left := b.owned(t, s.WorkspaceID)
	if left["PersistentVolumeClaim"] != 2 || left["Deployment"]+left["Pod"]+left["Service"]+left["Secret"] != 0 {
		t.Errorf("after delete with keep_volumes: %v", left)
	}
	detached, err := b.c.DetachedVolumes(ctx)
	if err != nil || len(detached) != 2 {
		t.Errorf("detached volumes %v, %v", detached, err)
	}
	b.create(t, s)
	pod = b.readyPod(t, s.WorkspaceID)
	if _, body, _ := fetch(t, "GET", agentURL(pod, "/files?path=/workspace/kept"), ""); body != "data" {
		t.Errorf("the kept claim's data is gone: %q", body)
	}
	b.remove(t, s, false)
	if n := b.owned(t, s.WorkspaceID)["PersistentVolumeClaim"]; n != 0 {
		t.Errorf("%d claims left after the final delete", n)
	}
}

// A Deployment deleted outside Terraform with orphan propagation leaves
// its ReplicaSet and pod behind (ours by their labels): delete removes them
// too, and everything else of the workspace.
func TestAccKubernetesBackend_deleteAfterOrphanedReplicaSet(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	s := spec(2, "orphan")
	b.create(t, s)
	orphan := metav1.DeletePropagationOrphan
	if err := b.cs.AppsV1().Deployments(b.ns).Delete(ctx, s.ContainerName(), metav1.DeleteOptions{PropagationPolicy: &orphan}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Deployment gone with its ReplicaSet orphaned", func() bool {
		_, err := b.cs.AppsV1().Deployments(b.ns).Get(ctx, s.ContainerName(), metav1.GetOptions{})
		return err != nil && b.owned(t, s.WorkspaceID)["ReplicaSet"] == 1 && len(b.pods(t, s.WorkspaceID)) == 1
	})
	b.remove(t, s, false)
	for kind, n := range b.owned(t, s.WorkspaceID) {
		if n != 0 {
			t.Errorf("%d %s objects with our labels left after delete", n, kind)
		}
	}
}

// An object without our labels holding a name we would take is reported
// and never touched, by create or delete.
func TestAccKubernetesBackend_foreignObjectUntouched(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	s := spec(2, "foreign")
	// The namespace is made by the first use; this test makes it itself.
	if err := b.c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.ns}}
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	foreign := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: s.ContainerName(), Labels: map[string]string{"app": "theirs"}},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	made, err := b.cs.CoreV1().Services(b.ns).Create(ctx, foreign, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msg, ours, err := b.c.NameConflict(ctx, s.WorkspaceID)
	if err != nil || ours || !strings.Contains(msg, "Service "+s.ContainerName()) {
		t.Errorf("NameConflict = %q, %t, %v", msg, ours, err)
	}
	if _, err := b.c.Create(ctx, s, nil); err == nil || !strings.Contains(err.Error(), "not managed by this provider") {
		t.Errorf("create over a foreign Service: %v", err)
	}
	b.remove(t, s, false)
	got, err := b.cs.CoreV1().Services(b.ns).Get(ctx, foreign.Name, metav1.GetOptions{})
	if err != nil || got.ResourceVersion != made.ResourceVersion || got.UID != made.UID {
		t.Errorf("the foreign Service changed: %v, %v", got, err)
	}
	for kind, n := range b.owned(t, "") {
		if n != 0 {
			t.Errorf("%d %s objects of ours left by the refused create", n, kind)
		}
	}
}

// An API server that does not answer is one clear error naming it.
func TestAccKubernetesBackend_unreachable(t *testing.T) {
	cluster(t) // acceptance only, like the rest
	c, err := backend.New(backend.Config{Host: "https://127.0.0.1:1", Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = c.Ping(ctx)
	var ue *backend.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Kubernetes API server at https://127.0.0.1:1 does not answer") {
		t.Errorf("Ping: %v", err)
	}
	if _, err := c.Inspect(ctx, "tfaccunreach1", false); err == nil || !strings.Contains(err.Error(), "https://127.0.0.1:1") {
		t.Errorf("Inspect: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 90s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

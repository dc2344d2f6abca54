// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
)

var testOptions = Options{Namespace: "molecule", ConfigInitImage: "init:test"}

func testSpec(tier int) workspace.WorkspaceSpec {
	return workspace.WorkspaceSpec{
		WorkspaceID: "0123456789abcdef", Name: "Research agent", Runtime: "langgraph",
		Image: "molecule-tf-standin:langgraph", Tier: tier, Running: true,
		ConfigFiles: map[string]string{"config.yaml": "name: a\n", "plugins/p.yaml": "p: 1\n"},
		Env:         map[string]string{"OPENAI_API_KEY": "sk-1", "LOG_LEVEL": "debug"},
		SecretEnv:   map[string]string{"HIDDEN": "wo"}, SecretEnvVersion: "3",
		Labels:      map[string]string{"team": "research"},
		PlatformURL: "http://platform:8080",
		ReadyPath:   "/ready",
	}
}

func build(t *testing.T, s workspace.WorkspaceSpec) Objects {
	t.Helper()
	objs, err := BuildObjects(s, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestBuildObjectsNamesAndLabels(t *testing.T) {
	objs := build(t, testSpec(2))
	id := "0123456789abcdef"
	if objs.Deployment.Name != "ws-0123456789ab" || objs.Service.Name != "ws-0123456789ab" ||
		objs.EnvSecret.Name != "ws-0123456789ab-env" || objs.ConfigSecret.Name != "ws-0123456789ab-config" {
		t.Errorf("names: deployment %s, service %s, secrets %s %s", objs.Deployment.Name, objs.Service.Name, objs.EnvSecret.Name, objs.ConfigSecret.Name)
	}
	var claims []string
	for _, c := range objs.Claims {
		claims = append(claims, c.Name)
	}
	if strings.Join(claims, ",") != "ws-0123456789ab-configs,ws-0123456789ab-workspace" {
		t.Errorf("claims %v", claims)
	}
	metas := []map[string]string{objs.Deployment.Labels, objs.Service.Labels, objs.EnvSecret.Labels, objs.ConfigSecret.Labels,
		objs.Deployment.Spec.Template.Labels}
	for _, c := range objs.Claims {
		metas = append(metas, c.Labels)
	}
	for i, l := range metas {
		if !workspace.IsOwned(l, id) {
			t.Errorf("object %d lacks our ownership labels for %s: %v", i, id, l)
		}
	}
	if objs.Deployment.Labels["team"] != "research" || objs.Deployment.Labels[workspace.LabelTier] != "2" {
		t.Errorf("deployment labels %v", objs.Deployment.Labels)
	}
	if objs.Deployment.Annotations[workspace.LabelName] != "Research agent" {
		t.Errorf("the name is an annotation (free text): %v", objs.Deployment.Annotations)
	}
	for k, v := range objs.Service.Spec.Selector {
		if objs.Deployment.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods lack", k, v)
		}
	}
	if objs.Deployment.Spec.Strategy.Type != "Recreate" || *objs.Deployment.Spec.Replicas != 1 {
		t.Errorf("strategy %s, replicas %d", objs.Deployment.Spec.Strategy.Type, *objs.Deployment.Spec.Replicas)
	}
}

func TestBuildObjectsEnvOnlyInTheSecret(t *testing.T) {
	objs := build(t, testSpec(2))
	pod := objs.Deployment.Spec.Template.Spec
	agent := pod.Containers[0]
	if len(agent.Env) != 0 || len(agent.EnvFrom) != 1 || agent.EnvFrom[0].SecretRef.Name != "ws-0123456789ab-env" {
		t.Errorf("agent env %v, envFrom %v: want only the env Secret", agent.Env, agent.EnvFrom)
	}
	for k, want := range map[string]string{"OPENAI_API_KEY": "sk-1", "HIDDEN": "wo", "WORKSPACE_ID": "0123456789abcdef",
		"PLATFORM_URL": "http://platform:8080", "TIER": "2", "WORKSPACE_CONFIG_PATH": "/configs"} {
		if got := string(objs.EnvSecret.Data[k]); got != want {
			t.Errorf("env Secret %s = %q, want %q", k, got, want)
		}
	}
	for k, v := range objs.Deployment.Annotations {
		if strings.Contains(v, "sk-1") {
			t.Errorf("annotation %s holds an env value", k)
		}
	}
	if objs.Deployment.Annotations[workspace.LabelEnvKeys] != "LOG_LEVEL,OPENAI_API_KEY" ||
		objs.Deployment.Annotations[workspace.LabelSecretEnvKeys] != "HIDDEN" {
		t.Errorf("key annotations %v", objs.Deployment.Annotations)
	}
}

func TestBuildObjectsTiers(t *testing.T) {
	for _, tc := range []struct {
		tier                                   int
		readOnly, privileged, hostPID, hostNet bool
		workspace                              bool
		memory, cpu                            string
	}{
		{1, true, false, false, false, false, "512Mi", "1"},
		{2, false, false, false, false, true, "512Mi", "1"},
		{3, false, true, true, false, true, "2Gi", "2"},
		{4, false, true, true, true, true, "4Gi", "4"},
	} {
		objs := build(t, testSpec(tc.tier))
		pod := objs.Deployment.Spec.Template.Spec
		agent := pod.Containers[0]
		sc := agent.SecurityContext
		if got := sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem; got != tc.readOnly {
			t.Errorf("tier %d: readOnlyRootFilesystem %t", tc.tier, got)
		}
		if got := sc.Privileged != nil && *sc.Privileged; got != tc.privileged {
			t.Errorf("tier %d: privileged %t", tc.tier, got)
		}
		if pod.HostPID != tc.hostPID || pod.HostNetwork != tc.hostNet {
			t.Errorf("tier %d: hostPID %t hostNetwork %t", tc.tier, pod.HostPID, pod.HostNetwork)
		}
		mounts := map[string]bool{}
		for _, m := range agent.VolumeMounts {
			mounts[m.MountPath] = true
		}
		if mounts["/workspace"] != tc.workspace || !mounts["/configs"] {
			t.Errorf("tier %d: mounts %v", tc.tier, mounts)
		}
		if mounts["/tmp"] != (tc.tier == 1) {
			t.Errorf("tier %d: /tmp mounted %t", tc.tier, mounts["/tmp"])
		}
		for _, r := range []corev1.ResourceList{agent.Resources.Limits, agent.Resources.Requests} {
			if r.Memory().String() != tc.memory || r.Cpu().String() != tc.cpu {
				t.Errorf("tier %d: resources %s / %s, want %s / %s", tc.tier, r.Memory(), r.Cpu(), tc.memory, tc.cpu)
			}
		}
		if len(objs.Claims) != map[bool]int{true: 2, false: 1}[tc.workspace] {
			t.Errorf("tier %d: %d claims", tc.tier, len(objs.Claims))
		}
	}
}

func TestBuildObjectsSandboxTmp(t *testing.T) {
	pod := build(t, testSpec(1)).Deployment.Spec.Template.Spec
	for _, v := range pod.Volumes {
		if v.Name == volTmp {
			if v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory || v.EmptyDir.SizeLimit.String() != "64Mi" {
				t.Errorf("tier 1 /tmp: %+v, want an in-memory emptyDir of 64Mi", v.VolumeSource)
			}
			return
		}
	}
	t.Error("tier 1 has no /tmp volume")
}

func TestBuildObjectsProbeInitAndPull(t *testing.T) {
	s := testSpec(2)
	s.ImagePull = workspace.PullMissing
	pod := build(t, s).Deployment.Spec.Template.Spec
	agent := pod.Containers[0]
	p := agent.ReadinessProbe
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/ready" || p.HTTPGet.Port.IntValue() != 8000 {
		t.Errorf("readiness probe %+v, want HTTP GET /ready on 8000", p)
	}
	if agent.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("pull policy %s for image_pull missing", agent.ImagePullPolicy)
	}
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != "init:test" ||
		strings.Join(pod.InitContainers[0].Args, " ") != "/config-files /configs" {
		t.Errorf("init containers %+v", pod.InitContainers)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token is mounted into the agent's pod")
	}
	for policy, want := range map[string]corev1.PullPolicy{"": corev1.PullNever, workspace.PullNever: corev1.PullNever,
		workspace.PullAlways: corev1.PullAlways, workspace.PullMissing: corev1.PullIfNotPresent} {
		if got := PullPolicy(policy); got != want {
			t.Errorf("PullPolicy(%q) = %s, want %s", policy, got, want)
		}
	}
}

func TestBuildObjectsSessionsClaimAndStorageClass(t *testing.T) {
	s := testSpec(2)
	s.Runtime = workspace.ClaudeCodeRuntime
	o := testOptions
	o.StorageClass = "fast"
	objs, err := BuildObjects(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Claims) != 3 || objs.Claims[2].Name != "ws-0123456789ab-claude-sessions" {
		t.Fatalf("claims %v", objs.Claims)
	}
	for _, c := range objs.Claims {
		if c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != "fast" {
			t.Errorf("claim %s: storage class %v", c.Name, c.Spec.StorageClassName)
		}
	}
	if build(t, testSpec(2)).Claims[0].Spec.StorageClassName != nil {
		t.Error("no storage_class must leave the cluster's default class")
	}
}

// A change of config files changes the pod template (the pod rolls and the
// init container rewrites them); a change of env changes it too.
func TestTemplateDigestsFollowTheSecrets(t *testing.T) {
	a := build(t, testSpec(2)).Deployment.Spec.Template.Annotations
	s := testSpec(2)
	s.ConfigFiles = map[string]string{"config.yaml": "name: b\n"}
	b := build(t, s).Deployment.Spec.Template.Annotations
	if a[AnnotationConfigDigest] == b[AnnotationConfigDigest] || a[AnnotationEnvDigest] != b[AnnotationEnvDigest] {
		t.Errorf("digests %v then %v", a, b)
	}
	if again := build(t, testSpec(2)).Deployment.Spec.Template.Annotations; again[AnnotationConfigDigest] != a[AnnotationConfigDigest] {
		t.Error("the same spec gives another config digest: every plan would roll the pod")
	}
}

func TestValidateWorkspaceID(t *testing.T) {
	for _, ok := range []string{"0b3e8f5e-7a5c-4d5e-9c1a-2f4b6d8e0a1c", "tfacc-abc123", "a"} {
		if err := ValidateWorkspaceID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"Upper-case-id", "under_score1", "ends-in-dash-", strings.Repeat("a", 64), "abcdefghijkl_"} {
		if err := ValidateWorkspaceID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckSpec(t *testing.T) {
	c := NewWithClient(nil, "https://fake:6443", Config{})
	s := testSpec(2)
	s.Network = PodNetwork
	if errs, warns := c.CheckSpec(s); len(errs)+len(warns) != 0 {
		t.Errorf("a plain tier 2 spec: %v %v", errs, warns)
	}
	s.WorkspacePath, s.WorkspaceAccess, s.Network = "/srv/project", workspace.AccessReadWrite, "molecule-monorepo-net"
	errs, _ := c.CheckSpec(s)
	if err := errs["workspace_path"]; err == nil || !strings.Contains(err.Error(), "PersistentVolumeClaim") {
		t.Errorf("workspace_path: %v", err)
	}
	if err := errs["network"]; err == nil || !strings.Contains(err.Error(), "NetworkPolicy") {
		t.Errorf("network: %v", err)
	}
	s.WorkspaceAccess = workspace.AccessNone // the path is ignored then
	s.Network = PodNetwork
	if errs, _ := c.CheckSpec(s); len(errs) != 0 {
		t.Errorf("workspace_access none: %v", errs)
	}
	s.Tier = 4
	if _, warns := c.CheckSpec(s); !strings.Contains(warns["tier"], "Docker socket") {
		t.Errorf("tier 4 warnings %v", warns)
	}
	s.WorkspaceID = "Upper_Case"
	if errs, _ := c.CheckSpec(s); errs["workspace_id"] == nil {
		t.Error("an id that cannot name a Service passed")
	}
}

// The init container asks for little, so a pod reserves about what its agent
// asks for; its limits still bound the copy.
func TestBuildObjectsInitContainerRequestsLittle(t *testing.T) {
	s := workspace.WorkspaceSpec{WorkspaceID: "ws-init", Runtime: "langgraph", Image: "img", Tier: 2, CPUs: 0.1, MemoryMB: 128,
		ConfigFiles: map[string]string{"config.yaml": "name: x\n"}, Running: true}
	objs, err := BuildObjects(s, Options{Namespace: "ns", ConfigInitImage: "init"})
	if err != nil {
		t.Fatal(err)
	}
	init := objs.Deployment.Spec.Template.Spec.InitContainers[0].Resources
	agent := objs.Deployment.Spec.Template.Spec.Containers[0].Resources
	if init.Requests.Cpu().Cmp(*agent.Requests.Cpu()) >= 0 || init.Requests.Memory().Cmp(*agent.Requests.Memory()) >= 0 {
		t.Errorf("init requests %v should be below the agent's %v", init.Requests, agent.Requests)
	}
	if init.Limits.Cpu().MilliValue() != 100 || init.Limits.Memory().Value() != 32<<20 {
		t.Errorf("init limits %v, want 100m and 32Mi", init.Limits)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"math"
	"slices"
	"strings"
	"testing"

	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// kubeReport builds a report of Kubernetes arms only, the provider taking
// createRatio and destroyRatio times the raw arm and plan(n) per plan.
func kubeReport(sizes []int, createRatio, destroyRatio float64, plan func(n int) float64) (*report, options) {
	o := options{kubeSizes: sizes, runs: 2, backends: []string{backendKube}}
	var ms []measurement
	for _, n := range sizes {
		for run := 1; run <= 2; run++ {
			ms = append(ms,
				measurement{Arm: armKubeRaw, N: n, Run: run, CreateS: float64(n) / 4, PlanSamplesS: []float64{0.05}, DestroyS: float64(n) / 8,
					Calls: map[string]callStats{"refresh": {PerWorkspace: 2}}},
				measurement{Arm: armKubeProvider, N: n, Run: run, CreateS: float64(n) / 4 * createRatio, PlanSamplesS: []float64{plan(n)},
					PlanNoRefreshSamplesS: []float64{plan(n) / 2}, DestroyS: float64(n) / 8 * destroyRatio,
					ProviderCPUS: map[string]float64{"create": 0.01 * float64(n)}},
				measurement{Arm: armFloor, N: n, Run: run, PlanSamplesS: []float64{plan(n) / 4}},
			)
		}
	}
	return buildReport(o, ms), o
}

func TestKubeTargetsJudgeRatiosAndPlanMarginalCost(t *testing.T) {
	good, _ := kubeReport([]int{10, 50}, 1.1, 1.15, func(n int) float64 { return 1 + 0.006*float64(n) })
	for _, prefix := range []string{
		"Kubernetes: create within 1.20x of k8s-raw at N=10", "Kubernetes: create within 1.20x of k8s-raw at N=50",
		"Kubernetes: destroy within 1.20x of k8s-raw at N=10", "Kubernetes: destroy within 1.20x of k8s-raw at N=50",
		"Kubernetes: no-change plan marginal cost",
	} {
		if tg := targetNamed(t, good, prefix); !tg.Holds {
			t.Errorf("%s: judged missed: %+v", prefix, tg)
		}
	}
	if tg := targetNamed(t, good, "Kubernetes: no-change plan marginal cost"); !strings.HasPrefix(tg.Value, "6.00 ms") {
		t.Errorf("marginal cost %q, want 6.00 ms", tg.Value)
	}
	// The refresh's calls are unknown while the provider does not log them.
	if tg := targetNamed(t, good, "Kubernetes: refresh API calls"); tg.Holds || !strings.HasPrefix(tg.Value, "not measured") {
		t.Errorf("unlogged refresh calls judged: %+v", tg)
	}

	noisy, _ := kubeReport([]int{10, 50}, 1, 1, func(n int) float64 { return 2 - 0.01*float64(n) })
	if tg := targetNamed(t, noisy, "Kubernetes: no-change plan marginal cost"); tg.Holds || !strings.Contains(tg.Value, "noise") {
		t.Errorf("a negative marginal cost judged: %+v", tg)
	}

	bad, _ := kubeReport([]int{10, 50}, 1.3, 1.25, func(n int) float64 { return 1 + 0.012*float64(n) })
	for _, prefix := range []string{"Kubernetes: create within", "Kubernetes: destroy within", "Kubernetes: no-change plan marginal cost"} {
		if tg := targetNamed(t, bad, prefix); tg.Holds {
			t.Errorf("%s: judged held: %+v", prefix, tg)
		}
	}
}

func TestKubeOnlyReportHasNoDockerTargetsAndPrints(t *testing.T) {
	rep, _ := kubeReport([]int{10, 50}, 1.1, 1.1, func(n int) float64 { return 1 + 0.005*float64(n) })
	for _, tg := range rep.Targets {
		if !strings.HasPrefix(tg.Name, "Kubernetes: ") {
			t.Errorf("Docker target %q in a Kubernetes-only report", tg.Name)
		}
	}
	var arms []string
	for _, r := range rep.Rows {
		arms = append(arms, r.Arm)
	}
	want := []string{armKubeRaw, armKubeProvider, armFloor, armKubeRaw, armKubeProvider, armFloor}
	if !slices.Equal(arms, want) {
		t.Errorf("rows %v, want %v", arms, want)
	}
	if r, ok := rep.row(armKubeProvider, 10); !ok || r.Times["drift-plan"].Runs != 0 || r.Times["create"].Runs != 2 {
		t.Errorf("k8s-provider row at N=10: %+v", r)
	}
	out := expectPrinted(t, rep, "k8s-provider", " 1.10x /  1.10x", "Kubernetes provider CPU time per workspace", "holds  Kubernetes: create")
	if strings.Contains(out, "Plan breakdown: needs two fleet sizes") {
		t.Errorf("the Docker breakdown's note printed without Docker arms:\n%s", out)
	}
}

func TestArmsAtRunEachBackendAtItsOwnSizes(t *testing.T) {
	o := options{sizes: []int{10, 100}, kubeSizes: []int{10, 50}, backends: []string{backendDocker, backendKube}}
	if got := o.allSizes(); !slices.Equal(got, []int{10, 50, 100}) {
		t.Errorf("allSizes = %v", got)
	}
	cases := map[int][]string{
		10:  {armRaw, armProvider, armKubeRaw, armKubeProvider, armFloor},
		50:  {armKubeRaw, armKubeProvider, armFloor},
		100: {armRaw, armProvider, armFloor},
	}
	// In even runs each provider arm goes before its raw arm.
	swapped := map[int][]string{
		10:  {armProvider, armRaw, armKubeProvider, armKubeRaw, armFloor},
		50:  {armKubeProvider, armKubeRaw, armFloor},
		100: {armProvider, armRaw, armFloor},
	}
	for n, want := range cases {
		if got := o.armsAt(n, 3); !slices.Equal(got, want) {
			t.Errorf("armsAt(%d, run 3) = %v, want %v", n, got, want)
		}
		if got := o.armsAt(n, 2); !slices.Equal(got, swapped[n]) {
			t.Errorf("armsAt(%d, run 2) = %v, want %v", n, got, swapped[n])
		}
		// The sized floor runs once per fleet size, in the first run, and
		// so does the engine-free provider where the Docker arms run.
		first := append(slices.Clone(want), armSizedFloor)
		if slices.Contains(o.sizes, n) {
			first = append(first, armFake)
		}
		if got := o.armsAt(n, 1); !slices.Equal(got, first) {
			t.Errorf("armsAt(%d, run 1) = %v, want %v", n, got, first)
		}
	}
}

func TestKubeOperationNamesCallsWithoutNames(t *testing.T) {
	cases := []struct {
		method, path string
		watch        bool
		want         string
	}{
		{"GET", "/apis/apps/v1/namespaces/molecule/deployments/ws-abc", false, "GET deployments/{name}"},
		{"POST", "/apis/apps/v1/namespaces/molecule/deployments", false, "POST deployments"},
		{"GET", "/api/v1/namespaces/molecule/pods", false, "LIST pods"},
		{"GET", "/api/v1/namespaces/molecule/pods", true, "WATCH pods"},
		{"PATCH", "/apis/apps/v1/namespaces/m/deployments/ws-abc/scale", false, "PATCH deployments/{name}/scale"},
		{"GET", "/api/v1/namespaces/molecule", false, "GET namespaces/{name}"},
		{"GET", "/api/v1/nodes", false, "LIST nodes"},
		{"GET", "/version", false, "GET /version"},
	}
	for _, c := range cases {
		if got := kubeOperation(c.method, c.path, c.watch); got != c.want {
			t.Errorf("kubeOperation(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
	refresh := []string{"GET /version", "GET namespaces/{name}", "LIST persistentvolumeclaims", "GET deployments/{name}", "GET secrets/{name}", "GET deployments/{name}", "GET secrets/{name}"}
	if st := summarizeKube(refresh, 2, refreshStep); st.Fixed != 3 || st.PerWorkspace != 2 {
		t.Errorf("summarizeKube of a refresh: fixed %d, per workspace %.2f; want 3 and 2", st.Fixed, st.PerWorkspace)
	}
	// Outside a refresh a claim list is the workspace's own (a wait).
	if st := summarizeKube(refresh, 2, otherStep); st.Fixed != 2 || st.PerWorkspace != 2.5 {
		t.Errorf("summarizeKube of another step: fixed %d, per workspace %.2f; want 2 and 2.5", st.Fixed, st.PerWorkspace)
	}
}

func TestPodRequestsTakeTheLargerOfInitAndContainers(t *testing.T) {
	objs, err := backend.BuildObjects(kubeWorkspaceSpec("benchab00000-cafe", "molecule-tf-standin:langgraph"), backend.Options{Namespace: "ns", ConfigInitImage: "init:test"})
	if err != nil {
		t.Fatal(err)
	}
	spec := objs.Deployment.Spec.Template.Spec
	got := podRequests(spec)
	var initCPU int64
	for _, c := range spec.InitContainers {
		initCPU = max(initCPU, c.Resources.Requests.Cpu().MilliValue())
	}
	if want := max(initCPU, int64(kubeCPUs*1000)); got.cpuMilli != want {
		t.Errorf("pod CPU request %dm, want %dm (init %dm, agent %dm)", got.cpuMilli, want, initCPU, int64(kubeCPUs*1000))
	}
	two := corev1.PodSpec{Containers: []corev1.Container{
		{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m")}}},
		{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m")}}},
	}, InitContainers: []corev1.Container{
		{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}},
	}}
	if got := podRequests(two); got.cpuMilli != 600 {
		t.Errorf("two containers of 300m and an init of 500m: %dm, want 600m", got.cpuMilli)
	}
}

func TestKubeOnlyPlotDrawsTheKubernetesPanels(t *testing.T) {
	rep, _ := kubeReport([]int{10, 50}, 1.1, 1.1, func(n int) float64 { return 1 + 0.005*float64(n) })
	ps := rep.panels()
	lines := 0
	for _, p := range ps {
		if !strings.HasPrefix(p.title, "Kubernetes: ") {
			t.Errorf("panel %q in a Kubernetes-only plot", p.title)
		}
		for _, l := range p.lines {
			if len(l.pts) == 2 {
				lines++
			}
		}
	}
	// create 2 + destroy 2 + plan 4 lines, each with both sizes.
	if lines != 8 {
		t.Errorf("%d lines with both sizes, want 8", lines)
	}
}

func TestKubeBreakdownSplitsCoreRPCsAndRefresh(t *testing.T) {
	rep, _ := kubeReport([]int{10, 50}, 1, 1, func(n int) float64 { return 0.4 + 0.008*float64(n) })
	if len(rep.KubeBreakdown) != 4 {
		t.Fatalf("Kubernetes breakdown has %d components, want 4", len(rep.KubeBreakdown))
	}
	// core = plan/4, RPCs = plan/2 - plan/4, refresh = plan - plan/2.
	want := []float64{2, 2, 4, 8}
	for i, c := range rep.KubeBreakdown {
		if math.Abs(c.PerWorkspaceMS-want[i]) > 1e-6 {
			t.Errorf("%s: %.3f ms per workspace, want %.3f", c.Name, c.PerWorkspaceMS, want[i])
		}
	}
}

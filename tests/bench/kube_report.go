// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"io"
	"slices"
)

// Targets from the Kubernetes issue (#11).
const (
	maxKubeCreateRatio      = 1.2
	maxKubeDestroyRatio     = 1.2
	maxKubePlanMarginalMS   = 10.0
	maxKubeRefreshCallsPerW = 2.0
)

// kubeTargets: create and destroy within 1.2x of the raw arm at every
// size, the no-change plan's marginal cost per workspace, and the refresh's
// API calls per workspace (when the provider logs them).
func (rep *report) kubeTargets(o options) []target {
	var ts []target
	for _, n := range o.kubeSizes {
		ts = append(ts, rep.kubeRatioTarget(n, "create", maxKubeCreateRatio), rep.kubeRatioTarget(n, "destroy", maxKubeDestroyRatio))
	}
	ts = append(ts, rep.kubePlanTarget(o))
	var refresh float64
	measured := false
	for _, r := range rep.Rows {
		if v, ok := r.CallsPerWorkspace["refresh"]; ok && r.Arm == armKubeProvider && v > 0 {
			refresh, measured = max(refresh, v), true
		}
	}
	t := target{Name: "Kubernetes: refresh API calls per workspace (no-change plan, worst N)", Floor: fmt.Sprintf("<= %.0f", maxKubeRefreshCallsPerW)}
	if measured {
		t.Value, t.Holds = fmt.Sprintf("%.2f", refresh), refresh <= maxKubeRefreshCallsPerW
	} else {
		t.Value = "not measured (the provider logs no Kubernetes calls)"
	}
	return append(ts, t)
}

func (rep *report) kubeRatioTarget(n int, col string, limit float64) target {
	name := fmt.Sprintf("Kubernetes: %s within %.2fx of k8s-raw at N=%d (median/median)", col, limit, n)
	floor := fmt.Sprintf("<= %.2fx", limit)
	for _, r := range rep.KubeRatios {
		if v, ok := r.Ratios[col]; ok && r.N == n {
			return target{Name: name, Value: fmt.Sprintf("%.2fx (min/min %.2fx)", v[1], v[0]), Floor: floor, Holds: v[1] <= limit}
		}
	}
	return target{Name: name, Value: "not measured", Floor: floor}
}

// kubePlanTarget is the provider's no-change plan's cost per added
// workspace between the smallest and the largest Kubernetes fleet, on the
// minimum of the runs (other work on the machine only adds time).
func (rep *report) kubePlanTarget(o options) target {
	floor := fmt.Sprintf("<= %.0f ms", maxKubePlanMarginalMS)
	byMin := rep.points(o.kubeSizes, armKubeProvider, "plan", func(st stat) float64 { return st.Min })
	byMedian := rep.points(o.kubeSizes, armKubeProvider, "plan", func(st stat) float64 { return st.Median })
	if len(byMin) < 2 {
		return target{Name: "Kubernetes: no-change plan marginal cost per workspace", Value: "needs two fleet sizes", Floor: floor}
	}
	last := len(byMin) - 1
	marginal := slope(byMin, 0, last)
	value := fmt.Sprintf("%.2f ms (median-based %.2f ms)", marginal, slope(byMedian, 0, last))
	if marginal < 0 {
		// A larger fleet cannot plan faster: other work on the machine
		// swamped the difference, so the figure judges nothing.
		value += "; negative: noise from other work dominates, measure again on a quieter machine or with sizes further apart"
	}
	return target{
		Name: fmt.Sprintf("Kubernetes: no-change plan marginal cost per workspace ((plan(N=%d) - plan(N=%d)) / %d, min of runs)",
			byMin[last].n, byMin[0].n, byMin[last].n-byMin[0].n),
		Value: value, Floor: floor, Holds: marginal >= 0 && marginal <= maxKubePlanMarginalMS,
	}
}

// points are an arm's column by fleet size, smallest first.
func (rep *report) points(sizes []int, arm, col string, pick func(stat) float64) []planPoint {
	var pts []planPoint
	for _, n := range slices.Sorted(slices.Values(sizes)) {
		for _, r := range rep.Rows {
			if r.Arm == arm && r.N == n && r.Times[col].Runs > 0 {
				pts = append(pts, planPoint{n, pick(r.Times[col])})
			}
		}
	}
	return pts
}

// printKubeCPU prints the Kubernetes provider arm's CPU time per workspace.
func (rep *report) printKubeCPU(w io.Writer) {
	header := false
	for _, r := range rep.Rows {
		if r.Arm != armKubeProvider || len(r.ProviderCPUMSPerWS) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nKubernetes provider CPU time per workspace, ms (user + system of the provider processes, least of the runs)")
			fmt.Fprintf(w, "  %5s %10s %10s %18s %10s\n", "N", "create", "plan", "plan-no-refresh", "destroy")
			header = true
		}
		c := r.ProviderCPUMSPerWS
		fmt.Fprintf(w, "  %5d %10.2f %10.2f %18.2f %10.2f\n", r.N, c["create"], c["plan"], c["plan-no-refresh"], c["destroy"])
	}
}

// kubeBreakdown splits the Kubernetes provider arm's no-change plan as
// planBreakdown does the Docker one's: Terraform core (the terraform_data
// plan), the provider's plan RPCs (plan -refresh=false minus core) and the
// refresh (plan minus plan -refresh=false), each a line fitted over N.
func (rep *report) kubeBreakdown(o options) []component {
	minOf := func(st stat) float64 { return st.Min }
	cf, cs, ok1 := fit(rep.points(o.kubeSizes, armFloor, "plan", minOf))
	nf, ns, ok2 := fit(rep.points(o.kubeSizes, armKubeProvider, "plan-no-refresh", minOf))
	pf, ps, ok3 := fit(rep.points(o.kubeSizes, armKubeProvider, "plan", minOf))
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	calls := func(step string) float64 {
		var v float64
		for _, r := range rep.Rows {
			if r.Arm == armKubeProvider {
				v = max(v, r.CallsPerWorkspace[step])
			}
		}
		return v
	}
	return []component{
		{Name: "Terraform core (plan of N terraform_data)", FixedS: cf, PerWorkspaceMS: cs * 1000},
		{Name: "provider plan RPCs (plan -refresh=false minus core)", FixedS: nf - cf, PerWorkspaceMS: (ns - cs) * 1000, CallsPerWS: calls("plan-no-refresh")},
		{Name: "refresh: ReadResource and its API calls (plan minus plan -refresh=false)", FixedS: pf - nf, PerWorkspaceMS: (ps - ns) * 1000, CallsPerWS: calls("refresh")},
		{Name: "provider no-change plan in all", FixedS: pf, PerWorkspaceMS: ps * 1000, CallsPerWS: calls("refresh")},
	}
}

func (rep *report) printKubeBreakdown(w io.Writer) {
	if len(rep.KubeBreakdown) == 0 {
		return
	}
	fmt.Fprintln(w, "\nKubernetes no-change plan breakdown (least-squares line over the Kubernetes fleet sizes, min of runs)")
	fmt.Fprintf(w, "  %-78s %9s %14s %12s\n", "component", "fixed s", "per ws ms", "calls/ws")
	for _, c := range rep.KubeBreakdown {
		fmt.Fprintf(w, "  %-78s %9.3f %14.3f %12.2f\n", c.Name, c.FixedS, c.PerWorkspaceMS, c.CallsPerWS)
	}
}

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
	return target{
		Name: fmt.Sprintf("Kubernetes: no-change plan marginal cost per workspace ((plan(N=%d) - plan(N=%d)) / %d, min of runs)",
			byMin[last].n, byMin[0].n, byMin[last].n-byMin[0].n),
		Value: fmt.Sprintf("%.2f ms (median-based %.2f ms)", marginal, slope(byMedian, 0, last)),
		Floor: floor, Holds: marginal <= maxKubePlanMarginalMS,
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

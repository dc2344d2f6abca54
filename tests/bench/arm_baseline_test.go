// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"math"
	"slices"
	"testing"
)

func TestArmsAtRotateRawProviderAndBaseline(t *testing.T) {
	o := options{sizes: []int{10}, backends: []string{backendDocker}, baseline: "/bin/baseline"}
	want := map[int][]string{
		2: {armProvider, armBaseline, armRaw, armFloor},
		3: {armBaseline, armRaw, armProvider, armFloor},
		4: {armRaw, armProvider, armBaseline, armFloor},
	}
	for r, w := range want {
		if got := o.armsAt(10, r); !slices.Equal(got, w) {
			t.Errorf("armsAt(10, run %d) = %v, want %v", r, got, w)
		}
	}
	first := o.armsAt(10, 1)
	if !slices.Equal(first[:3], []string{armRaw, armProvider, armBaseline}) || !slices.Contains(first, armFake) {
		t.Errorf("armsAt(10, run 1) = %v", first)
	}
	// Without a baseline nothing changes: raw and provider alternate.
	o.baseline = ""
	if got := o.armsAt(10, 2); !slices.Equal(got, []string{armProvider, armRaw, armFloor}) {
		t.Errorf("without a baseline, armsAt(10, run 2) = %v", got)
	}
}

func TestReportComparesProviderWithBaseline(t *testing.T) {
	o := options{sizes: []int{10}, runs: 1, baseline: "/bin/baseline"}
	ms := []measurement{
		{Arm: armRaw, N: 10, Run: 1, CreateS: 2, PlanSamplesS: []float64{0.01}, DestroyS: 1},
		{Arm: armProvider, N: 10, Run: 1, CreateS: 2.4, PlanSamplesS: []float64{0.3}, DestroyS: 1.5},
		{Arm: armBaseline, N: 10, Run: 1, CreateS: 3, PlanSamplesS: []float64{0.2}, DestroyS: 1.5},
		{Arm: armFloor, N: 10, Run: 1, PlanSamplesS: []float64{0.05}},
	}
	rep := buildReport(o, ms)
	pb := ratioFor(rep.ProviderOverBaseline, 10).Ratios
	if math.Abs(pb["create"][1]-0.8) > 1e-9 || math.Abs(pb["plan"][1]-1.5) > 1e-9 {
		t.Errorf("provider over baseline = %v, want create 0.8x, plan 1.5x", pb)
	}
	if b := ratioFor(rep.BaselineRatios, 10).Ratios["create"][1]; math.Abs(b-1.5) > 1e-9 {
		t.Errorf("baseline over raw create = %v, want 1.5", b)
	}
	expectPrinted(t, rep, "Provider against the baseline build", "1.200x, 1.500x", "0.800x (0.800x)")
}

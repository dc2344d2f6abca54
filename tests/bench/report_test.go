// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFitRecoversALine(t *testing.T) {
	var pts []planPoint
	for _, n := range []int{10, 50, 100, 200, 500} {
		pts = append(pts, planPoint{n, 0.3 + 0.004*float64(n)})
	}
	fixed, perWS, ok := fit(pts)
	if !ok || math.Abs(fixed-0.3) > 1e-9 || math.Abs(perWS-0.004) > 1e-9 {
		t.Fatalf("fit = %v, %v, %v; want 0.3, 0.004, true", fixed, perWS, ok)
	}
	if _, _, ok := fit(pts[:1]); ok {
		t.Fatal("fit of one point must fail")
	}
}

// planReport builds a report whose provider plans take plan(n) seconds.
func planReport(sizes []int, plan func(n int) float64) (*report, options) {
	o := options{sizes: sizes, runs: 1}
	var ms []measurement
	for _, n := range sizes {
		ms = append(ms,
			measurement{Arm: armRaw, N: n, Run: 1, CreateS: float64(n) / 5, PlanSamplesS: []float64{0.01}, DestroyS: float64(n) / 10},
			measurement{Arm: armProvider, N: n, Run: 1, CreateS: float64(n) / 5 * 1.05, PlanSamplesS: []float64{plan(n)}, PlanNoRefreshSamplesS: []float64{plan(n) / 2}, DestroyS: float64(n) / 10 * 1.2, StateBytesPerWS: 2600},
			measurement{Arm: armFloor, N: n, Run: 1, PlanSamplesS: []float64{plan(n) / 4}},
		)
	}
	return buildReport(o, ms), o
}

func targetNamed(t *testing.T, rep *report, prefix string) target {
	t.Helper()
	for _, tg := range rep.Targets {
		if strings.HasPrefix(tg.Name, prefix) {
			return tg
		}
	}
	t.Fatalf("no target %q in %+v", prefix, rep.Targets)
	return target{}
}

func TestLinearPlanHoldsAndQuadraticPlanMisses(t *testing.T) {
	sizes := []int{10, 50, 100, 200, 500}
	linear, _ := planReport(sizes, func(n int) float64 { return 0.3 + 0.005*float64(n) })
	if tg := targetNamed(t, linear, "no-change plan linear"); !tg.Holds {
		t.Errorf("linear plan judged not linear: %+v", tg)
	}
	if tg := targetNamed(t, linear, "no-change plan marginal"); !tg.Holds {
		t.Errorf("5 ms per workspace judged over 8 ms: %+v", tg)
	}
	quadratic, _ := planReport(sizes, func(n int) float64 { return 0.3 + 0.00002*float64(n*n) })
	if tg := targetNamed(t, quadratic, "no-change plan linear"); tg.Holds {
		t.Errorf("quadratic plan judged linear: %+v", tg)
	}
}

func TestBreakdownSplitsCoreRPCsAndRefresh(t *testing.T) {
	rep, _ := planReport([]int{10, 100}, func(n int) float64 { return 0.4 + 0.008*float64(n) })
	if len(rep.Breakdown) != 4 {
		t.Fatalf("breakdown has %d components, want 4", len(rep.Breakdown))
	}
	// core = plan/4, RPCs = plan/2 - plan/4, refresh = plan - plan/2.
	want := []float64{2, 2, 4, 8}
	for i, c := range rep.Breakdown {
		if math.Abs(c.PerWorkspaceMS-want[i]) > 1e-6 {
			t.Errorf("%s: %.3f ms per workspace, want %.3f", c.Name, c.PerWorkspaceMS, want[i])
		}
	}
}

func TestWritePlotIsWellFormedSVG(t *testing.T) {
	rep, _ := planReport([]int{10, 50}, func(n int) float64 { return 0.3 + 0.005*float64(n) })
	rep.Generated = time.Now()
	file := filepath.Join(t.TempDir(), "plot.svg")
	if err := rep.writePlot(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	lines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("plot is not well-formed XML: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	// create 2 + destroy 2 + plan 4 + drift 2 lines, every one with points.
	if lines != 10 {
		t.Errorf("plot has %d lines, want 10", lines)
	}
}

// TestSummarizeRowsCountsRunsNotPlanSamples: a run takes several plan
// samples; the row's run count is of runs, failed ones apart.
func TestSummarizeRowsCountsRunsNotPlanSamples(t *testing.T) {
	ms := []measurement{
		{Arm: armProvider, N: 10, CreateS: 2, DestroyS: 1, PlanSamplesS: []float64{0.3, 0.4, 0.5}},
		{Arm: armProvider, N: 10, CreateS: 3, DestroyS: 1, PlanSamplesS: []float64{0.3, 0.4, 0.5}},
		{Arm: armProvider, N: 10, Error: "boom"},
		{Arm: armProvider, N: 50, CreateS: 9, DestroyS: 4, PlanSamplesS: []float64{0.6}},
	}
	r := summarizeRows(armProvider, 10, ms)
	if r.Runs != 2 || r.Failed != 1 {
		t.Errorf("runs = %d, failed = %d; want 2 and 1", r.Runs, r.Failed)
	}
	if got := r.Times["plan"].Runs; got != 6 {
		t.Errorf("plan samples = %d, want 6", got)
	}
}

func TestPaddingBringsAFloorResourceToTheWorkspaceState(t *testing.T) {
	values := map[string]string{"a": configYAML("bench0a0000-12345678"), "b": configYAML("bench0a0001-12345678")}
	pad := padding(2800, values)
	longest := 0
	for _, v := range values {
		longest = max(longest, len(strings.ReplaceAll(v, "\n", `\n`))+2)
	}
	// input and output each hold value + pad.
	if got := floorStateOverhead + 2*(longest+len(pad)); got < 2798 || got > 2800 {
		t.Errorf("padded state per resource = %d B, want 2800 (pad %d B)", got, len(pad))
	}
	if padding(100, values) != "" {
		t.Error("a target below the unpadded state must pad nothing")
	}
}

func TestTerraformShareIsTheSizedFloorOverTheRawArm(t *testing.T) {
	o := options{sizes: []int{10, 50}, runs: 1}
	var ms []measurement
	for _, n := range o.sizes {
		f := float64(n)
		ms = append(ms,
			measurement{Arm: armRaw, N: n, Run: 1, CreateS: f / 5, PlanSamplesS: []float64{0.01}, DestroyS: f / 10},
			measurement{Arm: armProvider, N: n, Run: 1, CreateS: f / 5, PlanSamplesS: []float64{f / 100}, PlanNoRefreshSamplesS: []float64{f / 200}, DestroyS: f / 8},
			measurement{Arm: armFloor, N: n, Run: 1, CreateS: 0.1, PlanSamplesS: []float64{0.05}, DestroyS: 0.1},
			measurement{Arm: armSizedFloor, N: n, Run: 1, CreateS: f / 50, PlanSamplesS: []float64{0.1}, DestroyS: f / 40, StateBytesPerWS: 2790},
		)
	}
	rep := buildReport(o, ms)
	shares := rep.terraformShares()
	if len(shares) != 2 || shares[1].N != 50 || shares[1].ApplyS != 1 || shares[1].RawDestroyS != 5 {
		t.Fatalf("shares = %+v", shares)
	}
	expectPrinted(t, rep, "Terraform's own share of create and destroy", "     50     2790 B      1.00             10%        1.25              25%", "terraform_data_sized")
}

// The engine-free arm is reported beside the raw and provider arms: its
// apply and destroy added to the raw engine's, over the raw engine's.
func TestEngineFreeShareAddsTheFakeArmToTheRawArm(t *testing.T) {
	o := options{sizes: []int{10, 50}, runs: 1}
	var ms []measurement
	for _, n := range o.sizes {
		f := float64(n)
		ms = append(ms,
			measurement{Arm: armRaw, N: n, Run: 1, CreateS: f / 5, PlanSamplesS: []float64{0.01}, DestroyS: f / 10},
			measurement{Arm: armProvider, N: n, Run: 1, CreateS: f / 4, PlanSamplesS: []float64{f / 100}, PlanNoRefreshSamplesS: []float64{f / 200}, DestroyS: f / 8},
			measurement{Arm: armFloor, N: n, Run: 1, CreateS: 0.1, PlanSamplesS: []float64{0.05}, DestroyS: 0.1},
			measurement{Arm: armFake, N: n, Run: 1, CreateS: f / 50, PlanSamplesS: []float64{f / 125}, PlanNoRefreshSamplesS: []float64{f / 250}, DestroyS: f / 20},
		)
	}
	rep := buildReport(o, ms)
	shares := rep.engineFreeShares()
	if len(shares) != 2 || shares[1].N != 50 || shares[1].FakeApplyS != 1 || shares[1].RawCreate != 10 || shares[1].ProvPlanS != 0.5 {
		t.Fatalf("shares = %+v", shares)
	}
	if fake, ok := rep.row(armFake, 50); !ok || fake.Times["drift-plan"].Runs != 0 {
		t.Errorf("provider_fake row %+v: want one without a drift plan", fake)
	}
	expectPrinted(t, rep, "Everything but the engine", "     50          1.00     1.10x     1.25x            2.50     1.50x     1.25x         0.40         0.50", "provider_fake")
}

// expectPrinted prints the report and fails for each of wants it lacks; it
// returns the printed text for further checks.
func expectPrinted(t *testing.T, rep *report, wants ...string) string {
	t.Helper()
	var out strings.Builder
	rep.print(&out)
	for _, want := range wants {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed report lacks %q:\n%s", want, out.String())
		}
	}
	return out.String()
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Floors from the fleet issue.
const (
	maxCreateRatio        = 1.15
	maxDestroyRatio       = 1.5
	maxPlanMarginalMS     = 10.0
	maxRefreshCallsPerWS  = 2.0
	targetFleetSize       = 50
	linearSlackMS         = 3.0 // noise allowance when comparing marginal costs
	linearGrowthTolerance = 2.0
)

var columns = []string{"create", "plan", "drift-plan", "destroy"}

type stat struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Runs   int     `json:"runs"`
}

// row summarises one arm at one fleet size over its successful runs.
type row struct {
	Arm   string          `json:"arm"`
	N     int             `json:"n"`
	Times map[string]stat `json:"seconds"`
	// CallsPerWorkspace and FixedCalls are the largest seen over the runs.
	CallsPerWorkspace map[string]float64 `json:"calls_per_workspace"`
	FixedCalls        map[string]int     `json:"fixed_calls"`
	ListAllContainers int                `json:"list_all_containers_calls"`
	PeakRSSKB         int64              `json:"provider_peak_rss_kb,omitempty"`
	Failed            int                `json:"failed_runs"`
}

type ratio struct {
	N      int                   `json:"n"`
	Ratios map[string][2]float64 `json:"provider_over_raw"` // [min/min, median/median]
}

type target struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Floor string `json:"floor"`
	Holds bool   `json:"holds"`
}

type report struct {
	Generated    time.Time      `json:"generated"`
	Machine      map[string]any `json:"machine"`
	Options      map[string]any `json:"options"`
	Rows         []row          `json:"rows"`
	Ratios       []ratio        `json:"ratios"`
	Targets      []target       `json:"targets"`
	Measurements []measurement  `json:"measurements"`
}

func buildReport(o options, ms []measurement) *report {
	host, _ := os.Hostname()
	rep := &report{
		Generated:    time.Now().UTC(),
		Machine:      map[string]any{"hostname": host, "cpus": runtime.NumCPU(), "docker_host": os.Getenv("DOCKER_HOST")},
		Options:      map[string]any{"sizes": o.sizes, "runs": o.runs, "parallelism": o.parallelism, "image": o.image},
		Measurements: ms,
	}
	for _, n := range o.sizes {
		raw, prov := summarizeRows(armRaw, n, ms), summarizeRows(armProvider, n, ms)
		rep.Rows = append(rep.Rows, raw, prov)
		r := ratio{N: n, Ratios: map[string][2]float64{}}
		for _, c := range columns {
			a, b := raw.Times[c], prov.Times[c]
			if a.Runs > 0 && b.Runs > 0 && a.Min > 0 && a.Median > 0 {
				r.Ratios[c] = [2]float64{b.Min / a.Min, b.Median / a.Median}
			}
		}
		rep.Ratios = append(rep.Ratios, r)
	}
	rep.Targets = rep.evaluate(o)
	return rep
}

func summarizeRows(arm string, n int, ms []measurement) row {
	r := row{Arm: arm, N: n, Times: map[string]stat{}, CallsPerWorkspace: map[string]float64{}, FixedCalls: map[string]int{}}
	series := map[string][]float64{}
	for _, m := range ms {
		if m.Arm != arm || m.N != n {
			continue
		}
		if m.Error != "" {
			r.Failed++
			continue
		}
		for c, v := range map[string]float64{"create": m.CreateS, "drift-plan": m.DriftPlanS, "destroy": m.DestroyS} {
			series[c] = append(series[c], v)
		}
		if len(m.PlanSamplesS) > 0 {
			series["plan"] = append(series["plan"], m.PlanSamplesS...)
		} else {
			series["plan"] = append(series["plan"], m.PlanS)
		}
		for step, st := range m.Calls {
			r.CallsPerWorkspace[step] = max(r.CallsPerWorkspace[step], st.PerWorkspace)
			r.FixedCalls[step] = max(r.FixedCalls[step], st.Fixed)
			r.ListAllContainers += st.ListAll
		}
		r.PeakRSSKB = max(r.PeakRSSKB, m.PeakRSSKB)
	}
	for c, v := range series {
		slices.Sort(v)
		med := v[len(v)/2]
		if len(v)%2 == 0 {
			med = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		r.Times[c] = stat{Min: v[0], Median: med, Runs: len(v)}
	}
	return r
}

func (rep *report) row(arm string, n int) (row, bool) {
	for _, r := range rep.Rows {
		if r.Arm == arm && r.N == n && r.Times["create"].Runs > 0 {
			return r, true
		}
	}
	return row{}, false
}

func (rep *report) evaluate(o options) []target {
	var ts []target
	for _, t := range []struct {
		col   string
		floor float64
	}{{"create", maxCreateRatio}, {"destroy", maxDestroyRatio}} {
		name := fmt.Sprintf("%s within %.2fx of raw at N=%d (median/median)", t.col, t.floor, targetFleetSize)
		r, ok := rep.ratioAt(targetFleetSize, t.col)
		if !ok {
			ts = append(ts, target{Name: name, Value: "not measured", Floor: fmt.Sprintf("<= %.2fx", t.floor)})
			continue
		}
		ts = append(ts, target{Name: name, Value: fmt.Sprintf("%.2fx (min/min %.2fx)", r[1], r[0]), Floor: fmt.Sprintf("<= %.2fx", t.floor), Holds: r[1] <= t.floor})
	}
	ts = append(ts, rep.planTargets(o)...)

	var refresh float64
	listAll, measured := 0, false
	for _, r := range rep.Rows {
		if r.Arm != armProvider {
			continue
		}
		listAll += r.ListAllContainers
		if v, ok := r.CallsPerWorkspace["refresh"]; ok {
			refresh, measured = max(refresh, v), true
		}
	}
	sleeps, err := fixedSleeps(".")
	sleepValue := fmt.Sprintf("%d %v", len(sleeps), sleeps)
	if err != nil {
		sleepValue = "not checked: " + err.Error()
	}
	ts = append(ts,
		target{Name: "fixed sleeps (time.Sleep) in the provider's code", Value: sleepValue, Floor: "0", Holds: err == nil && len(sleeps) == 0},
		target{Name: "refresh Docker API calls per workspace (no-change plan, worst N)", Value: fmt.Sprintf("%.2f", refresh), Floor: fmt.Sprintf("<= %.0f", maxRefreshCallsPerWS), Holds: measured && refresh <= maxRefreshCallsPerWS},
		target{Name: "calls listing all containers (every provider step)", Value: strconv.Itoa(listAll), Floor: "0", Holds: measured && listAll == 0},
	)
	return ts
}

func (rep *report) ratioAt(n int, col string) ([2]float64, bool) {
	for _, r := range rep.Ratios {
		if r.N == n {
			v, ok := r.Ratios[col]
			return v, ok
		}
	}
	return [2]float64{}, false
}

// planTargets checks the no-change plan's marginal cost per workspace
// between the smallest and largest fleets, and that it does not grow with N.
// They are judged on the minimum of the runs: the machine is shared and
// other work only ever adds time, so the minimum estimates the provider's own
// cost (the median-based figures are shown beside).
func (rep *report) planTargets(o options) []target {
	floor := fmt.Sprintf("<= %.0f ms", maxPlanMarginalMS)
	name := "no-change plan marginal cost per workspace"
	byMin, byMedian := rep.planPoints(o, func(st stat) float64 { return st.Min }), rep.planPoints(o, func(st stat) float64 { return st.Median })
	if len(byMin) < 2 {
		return []target{{Name: name, Value: "needs two fleet sizes", Floor: floor}}
	}
	first, last := 0, len(byMin)-1
	marginal, marginalMedian := slope(byMin, first, last), slope(byMedian, first, last)
	ts := []target{{
		Name:  fmt.Sprintf("%s ((plan(N=%d) - plan(N=%d)) / %d, min of runs)", name, byMin[last].n, byMin[first].n, byMin[last].n-byMin[first].n),
		Value: fmt.Sprintf("%.2f ms (median-based %.2f ms)", marginal, marginalMedian), Floor: floor, Holds: marginal <= maxPlanMarginalMS,
	}}
	if len(byMin) < 3 {
		return ts
	}
	// Linear: each later segment's cost per added workspace stays within
	// linearGrowthTolerance of the first one's (pure N² growth would give
	// 2.5x between 10->50 and 50->100).
	var segs []string
	holds := true
	base := slope(byMin, 0, 1)
	for i := 1; i < len(byMin); i++ {
		m := slope(byMin, i-1, i)
		segs = append(segs, fmt.Sprintf("%d->%d: %.2f ms (median-based %.2f)", byMin[i-1].n, byMin[i].n, m, slope(byMedian, i-1, i)))
		if i > 1 && m > linearGrowthTolerance*max(base, 0)+linearSlackMS {
			holds = false
		}
	}
	return append(ts, target{Name: "no-change plan linear in N (marginal cost per segment, min of runs)", Value: strings.Join(segs, ", "),
		Floor: fmt.Sprintf("later <= %.0fx first + %.0f ms", linearGrowthTolerance, linearSlackMS), Holds: holds})
}

type planPoint struct {
	n int
	s float64
}

// planPoints are the provider's no-change plan times by fleet size.
func (rep *report) planPoints(o options, pick func(stat) float64) []planPoint {
	var pts []planPoint
	for _, n := range slices.Sorted(slices.Values(o.sizes)) {
		if r, ok := rep.row(armProvider, n); ok && r.Times["plan"].Runs > 0 {
			pts = append(pts, planPoint{n, pick(r.Times["plan"])})
		}
	}
	return pts
}

// slope is the cost per added workspace between two points, in ms.
func slope(pts []planPoint, i, j int) float64 {
	return (pts[j].s - pts[i].s) / float64(pts[j].n-pts[i].n) * 1000
}

func (rep *report) missedTargets() []string {
	var missed []string
	for _, t := range rep.Targets {
		if !t.Holds {
			missed = append(missed, t.Name+": "+t.Value)
		}
	}
	return missed
}

func (rep *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nFleet benchmark (%d CPUs, parallelism %v, %v runs per arm; seconds as min / median)\n\n", rep.Machine["cpus"], rep.Options["parallelism"], rep.Options["runs"])
	fmt.Fprintf(w, "%-8s %4s %4s  %-15s %-15s %-15s %-15s  %-22s %s\n", "arm", "N", "runs", "create s", "plan s", "drift-plan s", "destroy s", "API calls/ws c/r/d", "peak RSS")
	for i, r := range rep.Rows {
		fmt.Fprintf(w, "%-8s %4d %4d ", r.Arm, r.N, r.Times["create"].Runs)
		for _, c := range columns {
			st := r.Times[c]
			if st.Runs == 0 {
				fmt.Fprintf(w, " %-15s", "-")
				continue
			}
			fmt.Fprintf(w, " %-15s", fmt.Sprintf("%6.2f / %6.2f", st.Min, st.Median))
		}
		calls := fmt.Sprintf("%.1f / %.1f / %.1f", r.CallsPerWorkspace["create"], r.CallsPerWorkspace["refresh"], r.CallsPerWorkspace["destroy"])
		rss := "-"
		if r.PeakRSSKB > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(r.PeakRSSKB)/1024)
		}
		if r.Failed > 0 {
			rss += fmt.Sprintf("  (%d failed)", r.Failed)
		}
		fmt.Fprintf(w, "  %-22s %s\n", calls, rss)
		if i%2 == 1 {
			rt := rep.Ratios[i/2]
			fmt.Fprintf(w, "%-8s %4d %4s ", "ratio", rt.N, "")
			for _, c := range columns {
				v, ok := rt.Ratios[c]
				if !ok {
					fmt.Fprintf(w, " %-15s", "-")
					continue
				}
				fmt.Fprintf(w, " %-15s", fmt.Sprintf("%5.2fx / %5.2fx", v[0], v[1]))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "\n(ratio = provider / raw; calls/ws exclude per-process fixed calls: ping, image and network lookups;")
	fmt.Fprintln(w, " raw plan = one inspect each, provider plan = terraform plan with refresh, each repeated -plan-repeats times per run;")
	fmt.Fprintln(w, " runs counts runs, plan s is over all their plans; peak RSS = largest provider process)")
	fmt.Fprintln(w, "\nTargets")
	for _, t := range rep.Targets {
		mark := "MISSED"
		if t.Holds {
			mark = "holds"
		}
		fmt.Fprintf(w, "  %-6s %s: %s (floor %s)\n", mark, t.Name, t.Value, t.Floor)
	}
}

// write saves the whole report as JSON and the measurements as CSV beside it.
func (rep *report) write(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return err
	}
	f, err := os.Create(strings.TrimSuffix(file, filepath.Ext(file)) + ".csv")
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"arm", "n", "run", "create_s", "plan_s", "drift_plan_s", "destroy_s", "create_calls_per_ws", "refresh_calls_per_ws", "destroy_calls_per_ws", "provider_peak_rss_kb", "error"})
	for _, m := range rep.Measurements {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
		_ = w.Write([]string{m.Arm, strconv.Itoa(m.N), strconv.Itoa(m.Run), f(m.CreateS), f(m.PlanS), f(m.DriftPlanS), f(m.DestroyS),
			f(m.Calls["create"].PerWorkspace), f(m.Calls["refresh"].PerWorkspace), f(m.Calls["destroy"].PerWorkspace), strconv.FormatInt(m.PeakRSSKB, 10), m.Error})
	}
	w.Flush()
	return w.Error()
}

// reprint prints the table and targets of a results file again, judged by
// this version of the bench.
func reprint(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var saved report
	if err := json.Unmarshal(data, &saved); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	o := options{runs: intOption(saved.Options["runs"]), parallelism: intOption(saved.Options["parallelism"])}
	if sizes, ok := saved.Options["sizes"].([]any); ok {
		for _, v := range sizes {
			o.sizes = append(o.sizes, intOption(v))
		}
	}
	rep := buildReport(o, saved.Measurements)
	rep.Machine = saved.Machine
	rep.print(os.Stdout)
	fmt.Printf("\n(measured %s)\n", saved.Generated.Format(time.RFC3339))
	return nil
}

func intOption(v any) int {
	f, _ := v.(float64)
	return int(f)
}

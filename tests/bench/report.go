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

// Targets from the fleet-scale issue (#13).
const (
	maxCreateRatio       = 1.10 // at every N
	maxDestroyRatio      = 1.30 // at N >= destroyTargetFrom
	destroyTargetFrom    = 50
	maxPlanMarginalMS    = 8.0
	maxRefreshCallsPerWS = 2.0
	// The marginal plan cost of the last segment (200 -> 500 in the default
	// set) stays within this factor of the first one's (10 -> 50).
	maxLinearGrowth = 1.3
	maxPeakRSSMiB   = 300
	rssTargetAt     = 500
	// Calls per workspace count as constant in N when the largest is within
	// this factor of the smallest: readiness looks and cache misses of a
	// run's first creates move small fleets' figures by a few percent.
	callsConstantSlack = 1.05
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
	StateBytesPerWS   float64            `json:"state_bytes_per_workspace,omitempty"`
	// ProviderCPUMSPerWS is the provider processes' CPU time per workspace
	// by step, the least of the runs.
	ProviderCPUMSPerWS map[string]float64 `json:"provider_cpu_ms_per_workspace,omitempty"`
	// Runs counts the successful runs (a run may take several plan samples).
	Runs   int `json:"successful_runs"`
	Failed int `json:"failed_runs"`
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
	Generated  time.Time      `json:"generated"`
	Machine    map[string]any `json:"machine"`
	Options    map[string]any `json:"options"`
	Rows       []row          `json:"rows"`
	Ratios     []ratio        `json:"ratios"`
	KubeRatios []ratio        `json:"kubernetes_ratios,omitempty"` // k8s-provider over k8s-raw
	// BaselineRatios is the baseline build over raw; ProviderOverBaseline
	// the provider over the baseline build, both from the same runs.
	BaselineRatios       []ratio `json:"baseline_ratios,omitempty"`
	ProviderOverBaseline []ratio `json:"provider_over_baseline,omitempty"`
	// KubeBreakdown is Breakdown for the Kubernetes provider arm.
	KubeBreakdown []component   `json:"kubernetes_plan_breakdown,omitempty"`
	Targets       []target      `json:"targets"`
	Breakdown     []component   `json:"plan_breakdown"`
	Measurements  []measurement `json:"measurements"`
}

func buildReport(o options, ms []measurement) *report {
	host, _ := os.Hostname()
	rep := &report{
		Generated:    time.Now().UTC(),
		Machine:      map[string]any{"hostname": host, "cpus": runtime.NumCPU(), "docker_host": os.Getenv("DOCKER_HOST")},
		Options:      map[string]any{"sizes": o.sizes, "runs": o.runs, "parallelism": o.parallelism, "image": o.image, "backends": o.backends, "kube_sizes": o.kubeSizes},
		Measurements: ms,
	}
	for _, n := range o.allSizes() {
		for _, pair := range [][2]string{{armRaw, armProvider}, {armKubeRaw, armKubeProvider}} {
			sizes, ratios := o.sizes, &rep.Ratios
			if pair[0] == armKubeRaw {
				sizes, ratios = o.kubeSizes, &rep.KubeRatios
			}
			if !slices.Contains(sizes, n) {
				continue
			}
			raw, prov := summarizeRows(pair[0], n, ms), summarizeRows(pair[1], n, ms)
			rep.Rows = append(rep.Rows, raw, prov)
			*ratios = append(*ratios, ratioOf(n, raw, prov))
			if base := summarizeRows(armBaseline, n, ms); pair[0] == armRaw && base.Runs+base.Failed > 0 {
				rep.Rows = append(rep.Rows, base)
				rep.BaselineRatios = append(rep.BaselineRatios, ratioOf(n, raw, base))
				rep.ProviderOverBaseline = append(rep.ProviderOverBaseline, ratioOf(n, base, prov))
			}
		}
		rep.Rows = append(rep.Rows, summarizeRows(armFloor, n, ms))
		// Absent from results written before they existed:
		for _, arm := range []string{armSizedFloor, armFake} {
			if r := summarizeRows(arm, n, ms); r.Runs+r.Failed > 0 {
				rep.Rows = append(rep.Rows, r)
			}
		}
	}
	rep.Targets = rep.evaluate(o)
	rep.Breakdown = rep.planBreakdown(o)
	rep.KubeBreakdown = rep.kubeBreakdown(o)
	return rep
}

// ratioOf is provider over raw at one fleet size, column by column.
func ratioOf(n int, raw, prov row) ratio {
	r := ratio{N: n, Ratios: map[string][2]float64{}}
	for _, c := range columns {
		a, b := raw.Times[c], prov.Times[c]
		if a.Runs > 0 && b.Runs > 0 && a.Min > 0 && a.Median > 0 {
			r.Ratios[c] = [2]float64{b.Min / a.Min, b.Median / a.Median}
		}
	}
	return r
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
		r.Runs++
		for c, v := range map[string]float64{"create": m.CreateS, "drift-plan": m.DriftPlanS, "destroy": m.DestroyS} {
			series[c] = append(series[c], v)
		}
		if arm == armKubeRaw || arm == armKubeProvider || arm == armFake {
			delete(series, "drift-plan") // no drift step on Kubernetes or the fake
		}
		if arm == armFloor || arm == armSizedFloor {
			delete(series, "drift-plan")
			if m.CreateS == 0 { // results written before the floor timed its apply
				delete(series, "create")
				delete(series, "destroy")
			}
		}
		if len(m.PlanSamplesS) > 0 {
			series["plan"] = append(series["plan"], m.PlanSamplesS...)
		} else {
			series["plan"] = append(series["plan"], m.PlanS)
		}
		series["plan-no-refresh"] = append(series["plan-no-refresh"], m.PlanNoRefreshSamplesS...)
		r.StateBytesPerWS = max(r.StateBytesPerWS, m.StateBytesPerWS)
		for step, cpu := range m.ProviderCPUS {
			v := cpu * 1000 / float64(n)
			if r.ProviderCPUMSPerWS == nil {
				r.ProviderCPUMSPerWS = map[string]float64{}
			}
			if old, ok := r.ProviderCPUMSPerWS[step]; !ok || v < old {
				r.ProviderCPUMSPerWS[step] = v
			}
		}
		for step, st := range m.Calls {
			r.CallsPerWorkspace[step] = max(r.CallsPerWorkspace[step], st.PerWorkspace)
			r.FixedCalls[step] = max(r.FixedCalls[step], st.Fixed)
			r.ListAllContainers += st.ListAll
		}
		r.PeakRSSKB = max(r.PeakRSSKB, m.PeakRSSKB)
	}
	for c, v := range series {
		if len(v) == 0 {
			continue
		}
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
		if r.Arm == arm && r.N == n && r.Times["plan"].Runs > 0 {
			return r, true
		}
	}
	return row{}, false
}

func (rep *report) evaluate(o options) []target {
	var ts []target
	if len(o.sizes) > 0 {
		ts = rep.dockerTargets(o)
	}
	if len(o.kubeSizes) > 0 {
		ts = append(ts, rep.kubeTargets(o)...)
	}
	return ts
}

// dockerTargets are the fleet-scale issue's targets for the Docker arms.
func (rep *report) dockerTargets(o options) []target {
	var ts []target
	for _, n := range o.sizes {
		ts = append(ts, rep.ratioTarget(n, "create", maxCreateRatio))
		if n >= destroyTargetFrom {
			ts = append(ts, rep.ratioTarget(n, "destroy", maxDestroyRatio))
		}
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
	ts = append(ts, rep.rssTarget(o), rep.stateSizeTarget())
	ts = append(ts, rep.constantCallsTargets()...)
	return ts
}

func (rep *report) ratioTarget(n int, col string, floor float64) target {
	name := fmt.Sprintf("%s within %.2fx of raw at N=%d (median/median)", col, floor, n)
	r, ok := rep.ratioAt(n, col)
	if !ok {
		return target{Name: name, Value: "not measured", Floor: fmt.Sprintf("<= %.2fx", floor)}
	}
	return target{Name: name, Value: fmt.Sprintf("%.2fx (min/min %.2fx)", r[1], r[0]), Floor: fmt.Sprintf("<= %.2fx", floor), Holds: r[1] <= floor}
}

// rssTarget judges the provider's peak RSS at the largest fleet measured.
func (rep *report) rssTarget(o options) target {
	n := slices.Max(o.sizes)
	name := fmt.Sprintf("provider peak RSS at N=%d (target set for N=%d)", n, rssTargetAt)
	r, ok := rep.row(armProvider, n)
	if !ok || r.PeakRSSKB == 0 {
		return target{Name: name, Value: "not measured", Floor: fmt.Sprintf("<= %d MiB", maxPeakRSSMiB)}
	}
	mib := float64(r.PeakRSSKB) / 1024
	return target{Name: name, Value: fmt.Sprintf("%.0f MiB", mib), Floor: fmt.Sprintf("<= %d MiB", maxPeakRSSMiB), Holds: mib <= maxPeakRSSMiB}
}

// stateSizeTarget reports the state's size per workspace at every N; it
// holds when it is measured and does not grow with N.
func (rep *report) stateSizeTarget() target {
	var parts []string
	lo, hi := 0.0, 0.0
	for _, r := range rep.Rows {
		if r.Arm != armProvider || r.StateBytesPerWS == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("N=%d: %.0f B", r.N, r.StateBytesPerWS))
		if lo == 0 || r.StateBytesPerWS < lo {
			lo = r.StateBytesPerWS
		}
		hi = max(hi, r.StateBytesPerWS)
	}
	t := target{Name: "state size per workspace (reported; constant in N)", Floor: "reported, within 5% across N"}
	if len(parts) == 0 {
		t.Value = "not measured"
		return t
	}
	t.Value = strings.Join(parts, ", ")
	t.Holds = hi <= lo*1.05
	return t
}

// constantCallsTargets check that Docker calls per workspace do not depend
// on N for create, refresh and destroy.
func (rep *report) constantCallsTargets() []target {
	var ts []target
	for _, step := range []string{"create", "refresh", "destroy"} {
		var parts []string
		lo, hi, seen := 0.0, 0.0, 0
		for _, r := range rep.Rows {
			v, ok := r.CallsPerWorkspace[step]
			if r.Arm != armProvider || !ok {
				continue
			}
			parts = append(parts, fmt.Sprintf("N=%d: %.2f", r.N, v))
			if seen == 0 || v < lo {
				lo = v
			}
			hi = max(hi, v)
			seen++
		}
		t := target{Name: fmt.Sprintf("Docker calls per workspace, %s, constant in N", step), Floor: fmt.Sprintf("max <= %.2f x min", callsConstantSlack)}
		if seen == 0 {
			t.Value = "not measured"
		} else {
			t.Value = strings.Join(parts, ", ")
			t.Holds = hi <= lo*callsConstantSlack
		}
		ts = append(ts, t)
	}
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
	// Linear: the last segment's cost per added workspace stays within
	// maxLinearGrowth of the first one's (pure N² growth would make it
	// about 12x between 10->50 and 200->500).
	var segs []string
	for i := 1; i < len(byMin); i++ {
		segs = append(segs, fmt.Sprintf("%d->%d: %.2f ms (median-based %.2f)", byMin[i-1].n, byMin[i].n, slope(byMin, i-1, i), slope(byMedian, i-1, i)))
	}
	firstSeg, lastSeg := slope(byMin, 0, 1), slope(byMin, last-1, last)
	return append(ts, target{
		Name:  fmt.Sprintf("no-change plan linear in N: marginal %d->%d over %d->%d (min of runs; segments: %s)", byMin[last-1].n, byMin[last].n, byMin[0].n, byMin[1].n, strings.Join(segs, ", ")),
		Value: fmt.Sprintf("%.2fx (%.2f ms / %.2f ms)", lastSeg/firstSeg, lastSeg, firstSeg),
		Floor: fmt.Sprintf("<= %.1fx", maxLinearGrowth), Holds: firstSeg > 0 && lastSeg <= maxLinearGrowth*firstSeg,
	})
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
	fmt.Fprintf(w, "\nFleet benchmark (%v CPUs, parallelism %v, %v runs per arm; seconds as min / median)\n\n", rep.Machine["cpus"], rep.Options["parallelism"], rep.Options["runs"])
	cols := append(slices.Clone(columns), "plan-no-refresh")
	fmt.Fprintf(w, "%-20s %4s %4s  %-15s %-15s %-15s %-15s %-15s  %-22s %-9s %s\n", "arm", "N", "runs", "create s", "plan s", "drift-plan s", "destroy s", "plan -refresh=f", "API calls/ws c/r/d", "state/ws", "peak RSS")
	for _, r := range rep.Rows {
		fmt.Fprintf(w, "%-20s %4d %4d ", r.Arm, r.N, r.Runs)
		for _, c := range cols {
			st := r.Times[c]
			if st.Runs == 0 {
				fmt.Fprintf(w, " %-15s", "-")
				continue
			}
			fmt.Fprintf(w, " %-15s", fmt.Sprintf("%6.2f / %6.2f", st.Min, st.Median))
		}
		calls, state, rss := "-", "-", "-"
		if r.Arm != armFloor && r.Arm != armSizedFloor && r.Arm != armFake {
			calls = fmt.Sprintf("%.1f / %.1f / %.1f", r.CallsPerWorkspace["create"], r.CallsPerWorkspace["refresh"], r.CallsPerWorkspace["destroy"])
		}
		if r.StateBytesPerWS > 0 {
			state = fmt.Sprintf("%.0f B", r.StateBytesPerWS)
		}
		if r.PeakRSSKB > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(r.PeakRSSKB)/1024)
		}
		if r.Failed > 0 {
			rss += fmt.Sprintf("  (%d failed)", r.Failed)
		}
		fmt.Fprintf(w, "  %-22s %-9s %s\n", calls, state, rss)
		ratios := rep.Ratios
		switch r.Arm {
		case armProvider:
		case armKubeProvider:
			ratios = rep.KubeRatios
		case armBaseline:
			ratios = rep.BaselineRatios
		default:
			continue
		}
		for _, rt := range ratios {
			if rt.N != r.N {
				continue
			}
			fmt.Fprintf(w, "%-20s %4d %4s ", "ratio", rt.N, "")
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
	fmt.Fprintln(w, " raw plan = one inspect each, provider plan = terraform plan with refresh, terraform_data plan = Terraform's own floor,")
	fmt.Fprintln(w, " each repeated -plan-repeats times per run; plan s is over all of them; peak RSS = largest provider process)")
	if slices.ContainsFunc(rep.Rows, func(r row) bool { return r.Arm == armSizedFloor }) {
		fmt.Fprintln(w, "(terraform_data_sized = the same with each resource's state padded to the provider arm's; first run only, one plan)")
	}
	if slices.ContainsFunc(rep.Rows, func(r row) bool { return r.Arm == armFake }) {
		fmt.Fprintln(w, "(provider_fake = the provider arm's config and steps but drift, the real provider with its workspaces on the in-memory")
		fmt.Fprintln(w, " fake backend: Terraform, plugin starts and RPCs, the framework and the provider's logic, no engine; first run only)")
	}
	if len(rep.KubeRatios) > 0 {
		fmt.Fprintln(w, "(k8s-raw = client-go making the same objects, waiting for the pod Ready by watch and deleting them as the provider does;")
		fmt.Fprintln(w, " k8s-raw plan = the provider's refresh: one list each of Deployments, env Secrets and claims; k8s ratio = k8s-provider / k8s-raw;")
		fmt.Fprintln(w, " k8s calls/ws = Kubernetes API calls, 0.0 for the provider when it does not log them)")
	}
	rep.printBaseline(w)
	if len(rep.Ratios) > 0 {
		rep.printBreakdown(w)
		rep.printTerraformShare(w)
		rep.printEngineFreeShare(w)
	}
	rep.printKubeBreakdown(w)
	rep.printKubeCPU(w)
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
	_ = w.Write([]string{"arm", "n", "run", "create_s", "plan_s", "drift_plan_s", "destroy_s", "create_calls_per_ws", "refresh_calls_per_ws", "destroy_calls_per_ws", "provider_peak_rss_kb", "plan_no_refresh_s", "state_bytes_per_ws", "error"})
	for _, m := range rep.Measurements {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
		_ = w.Write([]string{m.Arm, strconv.Itoa(m.N), strconv.Itoa(m.Run), f(m.CreateS), f(m.PlanS), f(m.DriftPlanS), f(m.DestroyS),
			f(m.Calls["create"].PerWorkspace), f(m.Calls["refresh"].PerWorkspace), f(m.Calls["destroy"].PerWorkspace), strconv.FormatInt(m.PeakRSSKB, 10), f(first(m.PlanNoRefreshSamplesS)), f(m.StateBytesPerWS), m.Error})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return rep.writePlot(strings.TrimSuffix(file, filepath.Ext(file)) + ".svg")
}

func first(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return xs[0]
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
	o.sizes, o.kubeSizes = intList(saved.Options["sizes"]), intList(saved.Options["kube_sizes"])
	rep := buildReport(o, saved.Measurements)
	rep.Machine, rep.Generated = saved.Machine, saved.Generated
	rep.print(os.Stdout)
	fmt.Printf("\n(measured %s)\n", saved.Generated.Format(time.RFC3339))
	plot := strings.TrimSuffix(file, filepath.Ext(file)) + ".svg"
	if err := rep.writePlot(plot); err != nil {
		return err
	}
	fmt.Printf("plot written to %s\n", plot)
	return nil
}

func intList(v any) []int {
	var out []int
	if list, ok := v.([]any); ok {
		for _, x := range list {
			out = append(out, intOption(x))
		}
	}
	return out
}

func intOption(v any) int {
	f, _ := v.(float64)
	return int(f)
}

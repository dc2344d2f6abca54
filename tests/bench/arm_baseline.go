// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"io"
)

// armBaseline is the provider arm's configuration and steps through another
// build of the provider (-baseline-provider: an earlier commit, say), in the
// same runs as the provider arm. Whether a change made the provider slower
// is then answered within one session, against the same raw arm and the
// same state of the engine, rather than across sessions whose raw arms
// differ by more than the change (up to 0.2x between sessions at N = 50).
const armBaseline = "provider_baseline"

func newBaselineArm(s *session) *providerArm {
	return &providerArm{s: s, cliConfig: s.baselineCLIConfig}
}

// rotateArms puts the raw, provider and baseline arms in a different order in
// each of three consecutive runs, so that each goes first, second and last
// equally often: the arm after a destroy meets an engine still settling.
func rotateArms(arms []string, run int) []string {
	trio := []string{armRaw, armProvider, armBaseline}
	at := make([]int, 0, len(trio))
	for i, arm := range arms {
		if len(at) < len(trio) && arm == trio[len(at)] {
			at = append(at, i)
		}
	}
	if len(at) != len(trio) {
		return arms
	}
	out := append([]string(nil), arms...)
	shift := (run - 1) % len(trio)
	for k, i := range at {
		out[i] = trio[(k+shift)%len(trio)]
	}
	return out
}

// printBaseline compares the provider with the baseline build, from the
// same runs: each over raw, and the provider over the baseline.
func (rep *report) printBaseline(w io.Writer) {
	if len(rep.ProviderOverBaseline) == 0 {
		return
	}
	fmt.Fprintln(w, "\nProvider against the baseline build ("+armBaseline+"), the same runs (medians; min/min in brackets)")
	fmt.Fprintf(w, "%6s  %-34s %-34s %-34s\n", "N", "create: provider, baseline over raw", "destroy: provider, baseline over raw", "provider over baseline: create, destroy, plan")
	for _, pb := range rep.ProviderOverBaseline {
		prov, base := ratioFor(rep.Ratios, pb.N), ratioFor(rep.BaselineRatios, pb.N)
		fmt.Fprintf(w, "%6d  %-34s %-34s %s\n", pb.N,
			fmt.Sprintf("%s, %s", medianX(prov, "create"), medianX(base, "create")),
			fmt.Sprintf("%s, %s", medianX(prov, "destroy"), medianX(base, "destroy")),
			fmt.Sprintf("%s (%s), %s (%s), %s", medianX(pb, "create"), minX(pb, "create"), medianX(pb, "destroy"), minX(pb, "destroy"), medianX(pb, "plan")))
	}
}

// ratioFor is the ratio at fleet size n, empty when there is none.
func ratioFor(ratios []ratio, n int) ratio {
	for _, r := range ratios {
		if r.N == n {
			return r
		}
	}
	return ratio{N: n}
}

func medianX(r ratio, col string) string {
	if v, ok := r.Ratios[col]; ok {
		return fmt.Sprintf("%.3fx", v[1])
	}
	return "-"
}

func minX(r ratio, col string) string {
	if v, ok := r.Ratios[col]; ok {
		return fmt.Sprintf("%.3fx", v[0])
	}
	return "-"
}

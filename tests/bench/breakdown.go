// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"io"
	"slices"
)

// component is one part of the no-change plan's cost, as a straight line
// fitted over the fleet sizes: FixedS + PerWorkspaceMS * N / 1000.
type component struct {
	Name           string  `json:"name"`
	FixedS         float64 `json:"fixed_s"`
	PerWorkspaceMS float64 `json:"per_workspace_ms"`
	// CallsPerWS are the Docker API calls per workspace of the provider
	// steps behind this component (none for Terraform core).
	CallsPerWS float64 `json:"docker_calls_per_workspace"`
}

// fit is a least-squares line through (n, seconds).
func fit(pts []planPoint) (fixed, perWS float64, ok bool) {
	if len(pts) < 2 {
		return 0, 0, false
	}
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := float64(p.n)
		sx, sy, sxx, sxy = sx+x, sy+p.s, sxx+x*x, sxy+x*p.s
	}
	k := float64(len(pts))
	den := k*sxx - sx*sx
	if den == 0 {
		return 0, 0, false
	}
	perWS = (k*sxy - sx*sy) / den
	return (sy - perWS*sx) / k, perWS, true
}

// series returns an arm's column by fleet size, min of runs.
func (rep *report) series(o options, arm, col string) []planPoint {
	var pts []planPoint
	for _, n := range slices.Sorted(slices.Values(o.sizes)) {
		for _, r := range rep.Rows {
			if r.Arm == arm && r.N == n && r.Times[col].Runs > 0 {
				pts = append(pts, planPoint{n, r.Times[col].Min})
			}
		}
	}
	return pts
}

// planBreakdown splits the provider's no-change plan into Terraform core
// (a plan of as many terraform_data resources), the provider's plan RPCs
// (plan -refresh=false minus core) and the refresh (plan minus plan
// -refresh=false), each as a fixed and a per-workspace cost.
func (rep *report) planBreakdown(o options) []component {
	core := rep.series(o, armFloor, "plan")
	noRefresh := rep.series(o, armProvider, "plan-no-refresh")
	full := rep.series(o, armProvider, "plan")
	cf, cs, ok1 := fit(core)
	nf, ns, ok2 := fit(noRefresh)
	pf, ps, ok3 := fit(full)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	calls := func(step string) float64 {
		var v float64
		for _, r := range rep.Rows {
			if r.Arm == armProvider {
				v = max(v, r.CallsPerWorkspace[step])
			}
		}
		return v
	}
	return []component{
		{Name: "Terraform core (plan of N terraform_data)", FixedS: cf, PerWorkspaceMS: cs * 1000},
		{Name: "provider plan RPCs (plan -refresh=false minus core)", FixedS: nf - cf, PerWorkspaceMS: (ns - cs) * 1000, CallsPerWS: calls("plan-no-refresh")},
		{Name: "refresh: ReadResource and its Docker calls (plan minus plan -refresh=false)", FixedS: pf - nf, PerWorkspaceMS: (ps - ns) * 1000, CallsPerWS: calls("refresh")},
		{Name: "provider no-change plan in all", FixedS: pf, PerWorkspaceMS: ps * 1000, CallsPerWS: calls("refresh")},
	}
}

func (rep *report) printBreakdown(w io.Writer) {
	if len(rep.Breakdown) == 0 {
		fmt.Fprintln(w, "\nPlan breakdown: needs two fleet sizes with every arm measured")
		return
	}
	fmt.Fprintln(w, "\nNo-change plan breakdown (least-squares line over the fleet sizes, min of runs)")
	fmt.Fprintf(w, "  %-78s %9s %14s %12s\n", "component", "fixed s", "per ws ms", "calls/ws")
	for _, c := range rep.Breakdown {
		fmt.Fprintf(w, "  %-78s %9.3f %14.3f %12.2f\n", c.Name, c.FixedS, c.PerWorkspaceMS, c.CallsPerWS)
	}
	fmt.Fprintln(w, "\nProvider CPU time per workspace, ms (user + system of every provider process of the step, least of the runs;")
	fmt.Fprintln(w, "other work on the machine does not inflate it)")
	steps := []string{"create", "plan", "plan-no-refresh", "destroy"}
	fmt.Fprintf(w, "  %5s %10s %10s %18s %10s\n", "N", steps[0], steps[1], steps[2], steps[3])
	for _, r := range rep.Rows {
		if r.Arm != armProvider || len(r.ProviderCPUMSPerWS) == 0 {
			continue
		}
		c := r.ProviderCPUMSPerWS
		fmt.Fprintf(w, "  %5d %10.2f %10.2f %18.2f %10.2f\n", r.N, c["create"], c["plan"], c["plan-no-refresh"], c["destroy"])
	}
}

// terraformShare is Terraform's own time for an apply and a destroy of N
// resources carrying a workspace's state (the sized floor), beside the raw
// engine's create and destroy of N workspaces.
type terraformShare struct {
	N                       int
	StateBytesPerWS         float64
	ApplyS, DestroyS        float64
	RawCreateS, RawDestroyS float64
}

// terraformShares pairs the sized floor with the raw arm, medians, at every
// fleet size where both ran.
func (rep *report) terraformShares() []terraformShare {
	var out []terraformShare
	for _, f := range rep.Rows {
		if f.Arm != armSizedFloor || f.Times["create"].Runs == 0 || f.Times["destroy"].Runs == 0 {
			continue
		}
		raw, ok := rep.row(armRaw, f.N)
		if !ok || raw.Times["create"].Median <= 0 || raw.Times["destroy"].Median <= 0 {
			continue
		}
		out = append(out, terraformShare{
			N: f.N, StateBytesPerWS: f.StateBytesPerWS,
			ApplyS: f.Times["create"].Median, DestroyS: f.Times["destroy"].Median,
			RawCreateS: raw.Times["create"].Median, RawDestroyS: raw.Times["destroy"].Median,
		})
	}
	return out
}

func (rep *report) printTerraformShare(w io.Writer) {
	shares := rep.terraformShares()
	if len(shares) == 0 {
		return
	}
	fmt.Fprintln(w, "\nTerraform's own share of create and destroy: an apply and a destroy of N terraform_data resources whose state")
	fmt.Fprintln(w, "is padded to the provider arm's per workspace (Terraform rewrites the whole state file after every resource),")
	fmt.Fprintln(w, "as a fraction of the raw engine's create and destroy of N workspaces (medians)")
	fmt.Fprintf(w, "  %5s %10s %9s %15s %11s %16s\n", "N", "state/ws", "apply s", "of raw create", "destroy s", "of raw destroy")
	for _, s := range shares {
		fmt.Fprintf(w, "  %5d %8.0f B %9.2f %14.0f%% %11.2f %15.0f%%\n", s.N, s.StateBytesPerWS, s.ApplyS, 100*s.ApplyS/s.RawCreateS, s.DestroyS, 100*s.DestroyS/s.RawDestroyS)
	}
}

// engineFreeShare is the provider on the fake backend (everything but the
// engine) beside the raw engine (the engine's work alone) and the provider
// on the engine, at one fleet size, medians.
type engineFreeShare struct {
	N                     int
	FakeApplyS, RawCreate float64
	ProvCreate            float64
	FakeDestroyS, RawDest float64
	ProvDestroy           float64
	FakePlanS, ProvPlanS  float64
}

// engineFreeShares pairs the engine-free arm with the raw and provider arms
// at every fleet size where all three ran.
func (rep *report) engineFreeShares() []engineFreeShare {
	var out []engineFreeShare
	for _, f := range rep.Rows {
		if f.Arm != armFake || f.Times["create"].Runs == 0 || f.Times["destroy"].Runs == 0 || f.Times["plan"].Runs == 0 {
			continue
		}
		raw, okRaw := rep.row(armRaw, f.N)
		prov, okProv := rep.row(armProvider, f.N)
		if !okRaw || !okProv || raw.Times["create"].Median <= 0 || raw.Times["destroy"].Median <= 0 {
			continue
		}
		out = append(out, engineFreeShare{
			N:          f.N,
			FakeApplyS: f.Times["create"].Median, RawCreate: raw.Times["create"].Median, ProvCreate: prov.Times["create"].Median,
			FakeDestroyS: f.Times["destroy"].Median, RawDest: raw.Times["destroy"].Median, ProvDestroy: prov.Times["destroy"].Median,
			FakePlanS: f.Times["plan"].Median, ProvPlanS: prov.Times["plan"].Median,
		})
	}
	return out
}

func (rep *report) printEngineFreeShare(w io.Writer) {
	shares := rep.engineFreeShares()
	if len(shares) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEverything but the engine: the provider on the fake backend (provider_fake) beside the raw engine's work.")
	fmt.Fprintln(w, "raw+fake = (raw + provider_fake) / raw, the provider's ratio if the two did not overlap; provider = the measured")
	fmt.Fprintln(w, "ratio (medians). The fake's plan before the first create cannot overlap the engine's work; the rest can, in part.")
	fmt.Fprintf(w, "  %5s %13s %9s %9s %15s %9s %9s %12s %12s\n", "N", "fake apply s", "raw+fake", "provider", "fake destroy s", "raw+fake", "provider", "fake plan s", "prov plan s")
	for _, s := range shares {
		fmt.Fprintf(w, "  %5d %13.2f %8.2fx %8.2fx %15.2f %8.2fx %8.2fx %12.2f %12.2f\n", s.N,
			s.FakeApplyS, (s.RawCreate+s.FakeApplyS)/s.RawCreate, s.ProvCreate/s.RawCreate,
			s.FakeDestroyS, (s.RawDest+s.FakeDestroyS)/s.RawDest, s.ProvDestroy/s.RawDest,
			s.FakePlanS, s.ProvPlanS)
	}
}

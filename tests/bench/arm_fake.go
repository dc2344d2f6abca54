// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// armFake is the provider arm's configuration and steps against the real
// provider on the fake backend (fakeprovider.go): Terraform, the plugin
// protocol, the framework and the provider's own logic, with no engine
// behind them. Beside the raw arm (the engine's work alone) it splits the
// provider arm's time into what is not the engine and what is. It runs once
// per fleet size (the first run), as it only reports.
const armFake = "provider_fake"

type fakeArm struct {
	providerArm
	engine string // the fake's engine file
}

func newFakeArm(s *session) *fakeArm { return &fakeArm{providerArm: providerArm{s: s}} }

func (a *fakeArm) run(ctx context.Context, ids []string, m *measurement) error {
	a.dir = filepath.Join(a.s.workdir, m.IDPrefix)
	a.engine = filepath.Join(a.dir, "fake-engine.json")
	a.cliConfig = a.s.fakeCLIConfig
	a.extraEnv = []string{fakeStateEnv + "=" + a.engine, fakeNetworkEnv + "=" + a.s.network, fakeImageEnv + "=" + a.s.opts.image}
	if err := a.writeConfig(ids); err != nil {
		return err
	}
	defer func() { m.PeakRSSKB = a.peakRSS() }()
	n, par := len(ids), fmt.Sprintf("-parallelism=%d", a.s.opts.parallelism)

	var err error
	m.CreateS, err = timed(func() error { return a.terraform(ctx, "apply", 0, "apply", "-auto-approve", par) })
	m.ProviderCPUS = map[string]float64{"create": a.cpuSeconds("apply", 1)}
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if err := a.expectHolds(n); err != nil {
		return fmt.Errorf("after apply: %w", err)
	}
	m.StateBytesPerWS = stateBytesPerWorkspace(a.dir, n)

	m.PlanSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan", 0, "plan", "-detailed-exitcode", par)
	})
	m.ProviderCPUS["plan"] = a.cpuSeconds("plan", len(m.PlanSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]
	m.PlanNoRefreshSamplesS, err = timedRepeats(a.s.opts.planRepeats, func() error {
		return a.terraform(ctx, "plan-no-refresh", 0, "plan", "-refresh=false", "-detailed-exitcode", par)
	})
	m.ProviderCPUS["plan-no-refresh"] = a.cpuSeconds("plan-no-refresh", len(m.PlanNoRefreshSamplesS))
	if err != nil {
		return fmt.Errorf("no-change plan -refresh=false: %w", err)
	}

	m.DestroyS, err = timed(func() error { return a.terraform(ctx, "destroy", 0, "destroy", "-auto-approve", par) })
	m.ProviderCPUS["destroy"] = a.cpuSeconds("destroy", 1)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	if err := a.expectHolds(0); err != nil {
		return fmt.Errorf("after destroy: %w", err)
	}
	return nil
}

// expectHolds checks the fake holds n workspaces, each with its two volumes
// (tier 2: /configs and /workspace).
func (a *fakeArm) expectHolds(n int) error {
	containers, volumes, err := fakeHolds(a.engine)
	if err != nil {
		return err
	}
	if containers != n || volumes != 2*n {
		return fmt.Errorf("the fake holds %d workspaces and %d volumes, want %d and %d", containers, volumes, n, 2*n)
	}
	return nil
}

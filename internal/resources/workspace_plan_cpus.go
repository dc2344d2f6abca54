// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

// defaultCPUs is a tier's default CPU limit capped at the engine's CPU
// count: tiers 3 and 4 ask for 2 and 4 CPUs, which Docker refuses on a
// smaller engine. An explicit cpus is left to the user (and to Docker).
func (p *planner) defaultCPUs(tierDefault float64) float64 {
	if tierDefault <= 1 {
		return tierDefault // every engine has one CPU: no need to ask
	}
	n, err := p.r.data.Engine.CPUCount(p.ctx)
	if err != nil {
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
		return tierDefault
	}
	return min(tierDefault, float64(n))
}

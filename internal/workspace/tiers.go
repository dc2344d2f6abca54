// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"strconv"
	"strings"
)

// TierLimits are a tier's default resource caps.
type TierLimits struct {
	MemoryMB int64
	CPUs     float64
}

// Tier is everything one isolation tier means. The tiers table below is the
// one place these facts live: the container request, the plan's checks and
// defaults, and the schema's descriptions all read it.
type Tier struct {
	Number int
	Name   string // sandboxed, standard, privileged, full host
	Limits TierLimits
	// Sandboxed: a read-only root filesystem with a tmpfs at /tmp
	// (SandboxTmpfs) and no /workspace at all.
	Sandboxed bool
	// Privileged: privileged mode and the host's PID namespace.
	Privileged bool
	// HostNetwork: the host's network (no published port, no workspace
	// network) and the Docker socket.
	HostNetwork bool
}

// HasWorkspace reports whether the tier mounts /workspace.
func (t Tier) HasWorkspace() bool { return !t.Sandboxed }

// IsPrivileged reports whether the tier runs privileged on the host.
func (t Tier) IsPrivileged() bool { return t.Privileged }

// UsesHostNetwork reports whether the tier joins the host's network.
func (t Tier) UsesHostNetwork() bool { return t.HostNetwork }

// Summary describes the tier in one phrase, e.g. "`2` standard (512 MiB, 1 CPU)".
func (t Tier) Summary() string {
	var what []string
	switch {
	case t.Sandboxed:
		what = append(what, "no `/workspace`, read-only root filesystem, tmpfs `/tmp` ("+SandboxTmpfs+")")
	case t.HostNetwork:
		what = append(what, "privileged with the host's PID and network namespaces and the Docker socket, no published port")
	case t.Privileged:
		what = append(what, "privileged with the host's PID namespace")
	}
	what = append(what, fmt.Sprintf("%d MiB, %s CPU", t.Limits.MemoryMB, strconv.FormatFloat(t.Limits.CPUs, 'f', -1, 64)))
	return fmt.Sprintf("`%d` %s (%s)", t.Number, t.Name, strings.Join(what, ", "))
}

// SandboxTmpfs are the mount options of a sandboxed tier's /tmp.
const SandboxTmpfs = "rw,noexec,nosuid,size=64m"

// tiers follows the platform: 512 MiB / 1 CPU for tier 2, the platform's
// caps for tiers 3 and 4. Tier 1 gets tier 2's caps: a sandbox is not
// unlimited.
var tiers = []Tier{
	{Number: 1, Name: "sandboxed", Limits: TierLimits{MemoryMB: 512, CPUs: 1}, Sandboxed: true},
	{Number: 2, Name: "standard", Limits: TierLimits{MemoryMB: 512, CPUs: 1}},
	{Number: 3, Name: "privileged", Limits: TierLimits{MemoryMB: 2048, CPUs: 2}, Privileged: true},
	{Number: 4, Name: "full host", Limits: TierLimits{MemoryMB: 4096, CPUs: 4}, Privileged: true, HostNetwork: true},
}

// Tier bounds and default.
const (
	MinTier     = 1
	MaxTier     = 4
	DefaultTier = 2
)

// Tiers lists every tier, lowest first.
func Tiers() []Tier { return tiers }

// TierInfo returns what tier n means (the zero Tier outside MinTier-MaxTier).
func TierInfo(n int) Tier {
	if n < MinTier || n > MaxTier {
		return Tier{Number: n}
	}
	return tiers[n-MinTier]
}

// TierDefaults returns a tier's default limits.
func TierDefaults(tier int) TierLimits { return TierInfo(tier).Limits }

// IsPrivilegedTier reports whether a tier runs privileged on the host.
func IsPrivilegedTier(tier int) bool { return TierInfo(tier).Privileged }

// TierHasWorkspace reports whether a tier mounts /workspace. An unknown
// tier counts as having one (it is refused elsewhere).
func TierHasWorkspace(tier int) bool { return TierInfo(tier).HasWorkspace() }

// TierUsesHostNetwork reports whether a tier joins the host's network.
func TierUsesHostNetwork(tier int) bool { return TierInfo(tier).HostNetwork }

// TiersWhere lists the numbers of the tiers for which keep holds, lowest
// first.
func TiersWhere(keep func(Tier) bool) []int {
	var numbers []int
	for _, t := range tiers {
		if keep(t) {
			numbers = append(numbers, t.Number)
		}
	}
	return numbers
}

// TierOutOfRangeError is a tier number outside MinTier-MaxTier.
type TierOutOfRangeError struct{ Tier int }

func (e *TierOutOfRangeError) Error() string {
	names := make([]string, len(tiers))
	for i, t := range tiers {
		names[i] = fmt.Sprintf("%d (%s)", t.Number, t.Name)
	}
	return fmt.Sprintf("tier %d is outside %d-%d: use %s", e.Tier, MinTier, MaxTier, strings.Join(names, ", "))
}

// PrivilegedTierError is a privileged tier asked for where the operator has
// not permitted privileged tiers.
type PrivilegedTierError struct{ Tier int }

func (e *PrivilegedTierError) Error() string {
	return fmt.Sprintf("tier %d runs privileged with host access, which is not permitted here", e.Tier)
}

// ValidateTier checks the tier number against the privileged-tier switch:
// a *TierOutOfRangeError or a *PrivilegedTierError.
func ValidateTier(tier int, allowPrivileged bool) error {
	if tier < MinTier || tier > MaxTier {
		return &TierOutOfRangeError{Tier: tier}
	}
	if IsPrivilegedTier(tier) && !allowPrivileged {
		return &PrivilegedTierError{Tier: tier}
	}
	return nil
}

// EffectiveLimits resolves a spec's limits: explicit overrides win over the tier's.
func EffectiveLimits(s WorkspaceSpec) TierLimits {
	limits := TierDefaults(s.Tier)
	if s.MemoryMB > 0 {
		limits.MemoryMB = s.MemoryMB
	}
	if s.CPUs > 0 {
		limits.CPUs = s.CPUs
	}
	return limits
}

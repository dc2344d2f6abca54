// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import "fmt"

// TierLimits are a tier's default resource caps.
type TierLimits struct {
	MemoryMB int64
	CPUs     float64
}

// tierLimits follows the platform: 512 MiB / 1 CPU for tier 2, the platform's
// caps for tiers 3 and 4. Tier 1 gets tier 2's caps: a sandbox is not unlimited.
var tierLimits = map[int]TierLimits{
	1: {MemoryMB: 512, CPUs: 1},
	2: {MemoryMB: 512, CPUs: 1},
	3: {MemoryMB: 2048, CPUs: 2},
	4: {MemoryMB: 4096, CPUs: 4},
}

// Tier bounds and default.
const (
	MinTier     = 1
	MaxTier     = 4
	DefaultTier = 2
)

// TierDefaults returns a tier's default limits.
func TierDefaults(tier int) TierLimits { return tierLimits[tier] }

// IsPrivilegedTier reports whether a tier runs privileged on the host (3 and 4).
func IsPrivilegedTier(tier int) bool { return tier >= 3 }

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

// ValidateTier checks the tier number against the privileged-tier switch.
func ValidateTier(tier int, allowPrivileged bool) error {
	if tier < MinTier || tier > MaxTier {
		return fmt.Errorf("tier %d is outside %d-%d: use 1 (sandboxed), 2 (standard), 3 (privileged) or 4 (full host)", tier, MinTier, MaxTier)
	}
	if IsPrivilegedTier(tier) && !allowPrivileged {
		return fmt.Errorf("tier %d runs privileged with host access; set allow_privileged_tiers = true on the provider to permit it, or use tier 1 or 2", tier)
	}
	return nil
}

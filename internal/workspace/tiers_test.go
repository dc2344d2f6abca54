// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"strings"
	"testing"
)

func TestTierDefaults(t *testing.T) {
	want := map[int]TierLimits{1: {512, 1}, 2: {512, 1}, 3: {2048, 2}, 4: {4096, 4}}
	for tier, limits := range want {
		if got := TierDefaults(tier); got != limits {
			t.Errorf("TierDefaults(%d) = %+v, want %+v", tier, got, limits)
		}
	}
	if got := TierDefaults(DefaultTier); got != want[2] {
		t.Errorf("default tier limits = %+v", got)
	}
}

func TestEffectiveLimitsOverridesWin(t *testing.T) {
	cases := []struct {
		spec WorkspaceSpec
		want TierLimits
	}{
		{WorkspaceSpec{Tier: 2}, TierLimits{512, 1}},
		{WorkspaceSpec{Tier: 2, MemoryMB: 256}, TierLimits{256, 1}},
		{WorkspaceSpec{Tier: 2, CPUs: 0.5}, TierLimits{512, 0.5}},
		{WorkspaceSpec{Tier: 3, MemoryMB: 1024, CPUs: 1.5}, TierLimits{1024, 1.5}},
		{WorkspaceSpec{Tier: 4}, TierLimits{4096, 4}},
	}
	for _, c := range cases {
		if got := EffectiveLimits(c.spec); got != c.want {
			t.Errorf("EffectiveLimits(tier %d, %d MiB, %v CPU) = %+v, want %+v", c.spec.Tier, c.spec.MemoryMB, c.spec.CPUs, got, c.want)
		}
	}
}

func TestIsPrivilegedTier(t *testing.T) {
	for tier, want := range map[int]bool{1: false, 2: false, 3: true, 4: true} {
		if got := IsPrivilegedTier(tier); got != want {
			t.Errorf("IsPrivilegedTier(%d) = %v", tier, got)
		}
	}
}

func TestValidateTier(t *testing.T) {
	cases := []struct {
		tier    int
		allow   bool
		wantErr string
	}{
		{1, false, ""},
		{2, false, ""},
		{3, true, ""},
		{4, true, ""},
		{0, true, "tier 0 is outside 1-4"},
		{5, true, "tier 5 is outside 1-4"},
		{-1, false, "outside 1-4"},
		{3, false, "not permitted"},
		{4, false, "tier 4 runs privileged"},
	}
	for _, c := range cases {
		err := ValidateTier(c.tier, c.allow)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("ValidateTier(%d, %v) = %v", c.tier, c.allow, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("ValidateTier(%d, %v) = %v, want error containing %q", c.tier, c.allow, err, c.wantErr)
		}
	}
}

// The tier table is what the container request, the plan and the docs read:
// tier 1 is the sandbox without /workspace, tier 4 alone joins the host's
// network, tiers 3 and 4 are privileged.
func TestTierTable(t *testing.T) {
	if got := TiersWhere(func(t Tier) bool { return !t.HasWorkspace() }); len(got) != 1 || got[0] != 1 {
		t.Errorf("tiers without /workspace = %v, want [1]", got)
	}
	if got := TiersWhere(Tier.UsesHostNetwork); len(got) != 1 || got[0] != 4 {
		t.Errorf("host-network tiers = %v, want [4]", got)
	}
	if got := TiersWhere(Tier.IsPrivileged); len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Errorf("privileged tiers = %v, want [3 4]", got)
	}
	if TierInfo(0).Name != "" || TierInfo(MaxTier+1).Name != "" || !TierHasWorkspace(0) {
		t.Error("a tier outside the table must be the zero Tier (with /workspace)")
	}
	if got := TierInfo(2).Summary(); got != "`2` standard (512 MiB, 1 CPU)" {
		t.Errorf("tier 2 summary = %q", got)
	}
	if got := (&TierOutOfRangeError{Tier: 7}).Error(); !strings.Contains(got, "use 1 (sandboxed), 2 (standard), 3 (privileged), 4 (full host)") {
		t.Errorf("out-of-range message = %q", got)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The tier texts of the schema and the diagnostics, built from the
// workspace model's tier table so that they say what the code does.

// tierList names the tiers for which keep holds: "3 and 4", "2, 3 or 4".
func tierList(keep func(workspace.Tier) bool, conjunction string) string {
	var words []string
	for _, n := range workspace.TiersWhere(keep) {
		words = append(words, strconv.Itoa(n))
	}
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conjunction + " " + words[len(words)-1]
}

// tierDescription is the tier attribute's description.
func tierDescription() string {
	var summaries []string
	for _, t := range workspace.Tiers() {
		summaries = append(summaries, t.Summary())
	}
	return fmt.Sprintf("Isolation tier, %d-%d. Default: `%d`. %s. Tiers %s need `allow_privileged_tiers` on the provider. Changing it replaces the workspace.",
		workspace.MinTier, workspace.MaxTier, workspace.DefaultTier, strings.Join(summaries, "; "), tierList(workspace.Tier.IsPrivileged, "and"))
}

// tierDefaultsText lists one default limit per tier: "512, 512, 2048, 4096
// for tiers 1-4".
func tierDefaultsText(limit func(workspace.TierLimits) string) string {
	var values []string
	for _, t := range workspace.Tiers() {
		values = append(values, limit(t.Limits))
	}
	return fmt.Sprintf("%s for tiers %d-%d", strings.Join(values, ", "), workspace.MinTier, workspace.MaxTier)
}

// hostNetworkTiers names the tiers on the host's network: "tier 4".
func hostNetworkTiers() string {
	return "tier " + tierList(workspace.Tier.UsesHostNetwork, "or")
}

// tierDiagnostic turns ValidateTier's error into the tier attribute's
// diagnostic, naming the provider setting that permits privileged tiers.
func tierDiagnostic(err error) diag.Diagnostic {
	var privileged *workspace.PrivilegedTierError
	if errors.As(err, &privileged) {
		return diag.NewAttributeErrorDiagnostic(path.Root("tier"), "Tier not allowed",
			fmt.Sprintf("tier %d runs privileged with host access; set allow_privileged_tiers = true on the provider to permit it, or use tier %s.",
				privileged.Tier, tierList(func(t workspace.Tier) bool { return !t.Privileged }, "or")))
	}
	return diag.NewAttributeErrorDiagnostic(path.Root("tier"), "Tier not allowed", err.Error())
}

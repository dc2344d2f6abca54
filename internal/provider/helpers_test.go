// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider_test

import "regexp"

// regexpMust compiles a pattern that may span Terraform's line wrapping.
func regexpMust(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + regexp.MustCompile(` `).ReplaceAllString(pattern, `\s+`))
}

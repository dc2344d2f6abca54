// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"regexp"
	"strings"
)

// MessageRegexp matches an error holding each part in order, the one way the
// tests match terraform's messages. Terraform wraps diagnostics at about 80
// columns and may frame them with │, so every space in a part matches any
// run of white space and │; the rest of each part is literal.
func MessageRegexp(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `[\s│]+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

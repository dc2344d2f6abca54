// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// unknownOf returns an unknown value of the type of a volatile attribute.
func unknownOf(attribute string) attr.Value {
	switch attribute {
	case "restart_count":
		return types.Int64Unknown()
	case "oom_killed":
		return types.BoolUnknown()
	default:
		return types.StringUnknown()
	}
}

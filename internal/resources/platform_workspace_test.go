// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
)

func TestDifferencesPatchOnlyWhatDiffers(t *testing.T) {
	plan := platformWorkspaceModel{
		Name: types.StringValue("a"), Role: types.StringValue("r"), ParentID: types.StringNull(),
		Tier: types.Int64Unknown(), BudgetLimit: types.Float64Null(), MaxConcurrentTasks: types.Int64Value(2),
	}
	two := int64(2)
	same := platform.Workspace{Name: "a", Role: "r", Tier: 3, Runtime: platform.RuntimeExternal, MaxConcurrentTasks: &two}
	if ch := differences(plan, same); ch != (platform.Changes{}) {
		t.Errorf("matching record: PATCH %+v, want none", ch)
	}
	parent := "p"
	wrong := platform.Workspace{Name: "b", Role: "r", Tier: 3, Runtime: "langgraph", ParentID: &parent, MaxConcurrentTasks: &two}
	ch := differences(plan, wrong)
	if ch.Runtime == nil || *ch.Runtime != platform.RuntimeExternal || ch.Name == nil || *ch.Name != "a" ||
		ch.ParentID == nil || *ch.ParentID != "" || ch.Role != nil || ch.Tier != nil || ch.MaxConcurrentTasks != nil {
		t.Errorf("PATCH %+v: want runtime external, name a, parent cleared, nothing else", ch)
	}
}

func TestParseImportID(t *testing.T) {
	if id, adopt := parseImportID("platform:3f0c"); id != "3f0c" || !adopt {
		t.Errorf("platform:3f0c -> %q %t", id, adopt)
	}
	if id, adopt := parseImportID("3f0c"); id != "3f0c" || adopt {
		t.Errorf("3f0c -> %q %t", id, adopt)
	}
}

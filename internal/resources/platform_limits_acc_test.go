// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/tests/platformstandin"
)

// TestAccPlatform_limitsRemovedWarn: budget_limit and max_concurrent_tasks,
// set and applied, then removed from the configuration. The platform's API
// cannot clear them, so the plan warns, naming each attribute and the value
// the platform keeps; the apply succeeds (no inconsistent result), the
// stand-in still holds both values, the state holds neither, and the next
// plan is empty.
func TestAccPlatform_limitsRemovedWarn(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	s, err := platformstandin.Start(platformstandin.Options{AdminToken: standinAdminToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	wd := acctest.NewWorkdir(t)
	wd.DestroyOnCleanup()
	record := func(limits string) string {
		return platformProvider(s.URL(), standinAdminToken) + `
resource "molecule_platform_workspace" "rec" {
  name = "limited"
` + limits + `}
`
	}
	wd.SetConfig(record("  budget_limit = 12.5\n  max_concurrent_tasks = 3\n"))
	wd.MustRun("apply", "-auto-approve")
	id := recordID(t, wd)
	rec, _ := s.Record(id)
	if rec.BudgetLimit == nil || *rec.BudgetLimit != 12.5 || rec.MaxConcurrentTasks == nil || *rec.MaxConcurrentTasks != 3 {
		t.Fatalf("record limits %v, %v; want 12.5, 3", rec.BudgetLimit, rec.MaxConcurrentTasks)
	}

	wd.SetConfig(record(""))
	plan := wd.MustRun("plan")
	expectOutput(t, plan,
		"budget_limit is not cleared in the platform", "the platform keeps 12.5",
		"max_concurrent_tasks is not cleared in the platform", "the platform keeps 3")
	wd.MustRun("apply", "-auto-approve")
	rec, _ = s.Record(id)
	if rec.BudgetLimit == nil || *rec.BudgetLimit != 12.5 || rec.MaxConcurrentTasks == nil || *rec.MaxConcurrentTasks != 3 {
		t.Errorf("record limits %v, %v after the removal; the stand-in, like the platform, keeps 12.5, 3", rec.BudgetLimit, rec.MaxConcurrentTasks)
	}
	st := wd.StateInstances("molecule_platform_workspace")[0]
	for _, attr := range []string{"budget_limit", "max_concurrent_tasks"} {
		if v := st.Attributes[attr]; v != nil {
			t.Errorf("state %s = %v, want null", attr, v)
		}
	}
	expectPlanExitCode(t, wd, 0)
}

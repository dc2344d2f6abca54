// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// ParsePlanActions reads the output of `terraform show -json PLANFILE` and
// maps each resource address to its actions joined by "," ("no-op",
// "create", "update", "delete", "delete,create", ...). It is the one reader
// of that format for the tests and the benchmark.
func ParsePlanActions(showJSON []byte) (map[string]string, error) {
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(showJSON, &plan); err != nil {
		return nil, fmt.Errorf("parsing terraform show -json: %w", err)
	}
	actions := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		actions[rc.Address] = strings.Join(rc.Change.Actions, ",")
	}
	return actions, nil
}

// PlanActions runs terraform show -json on a saved plan and returns
// ParsePlanActions of it.
func (w *Workdir) PlanActions(planFile string) map[string]string {
	w.t.Helper()
	r := w.MustRun("show", "-json", planFile)
	actions, err := ParsePlanActions([]byte(r.Stdout))
	if err != nil {
		w.t.Fatalf("%v\n%s", err, r.Stdout)
	}
	return actions
}

// PlanChanges is PlanActions without the no-ops.
func (w *Workdir) PlanChanges(planFile string) map[string]string {
	w.t.Helper()
	changes := w.PlanActions(planFile)
	maps.DeleteFunc(changes, func(_, actions string) bool { return actions == "no-op" })
	return changes
}

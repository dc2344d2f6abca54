// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// ExpectPriorValue checks the refreshed value an attribute had before the
// planned change, i.e. what the provider read from the engine. want is the
// JSON-decoded form (bool, string, float64 for every number, ...).
func ExpectPriorValue(address, attribute string, want any) plancheck.PlanCheck {
	return priorValueCheck{address: address, attribute: attribute, want: want}
}

type priorValueCheck struct {
	address, attribute string
	want               any
}

func (c priorValueCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		before, ok := rc.Change.Before.(map[string]any)
		if !ok {
			resp.Error = fmt.Errorf("%s has no prior state in the plan (actions %v)", c.address, rc.Change.Actions)
			return
		}
		got := before[c.attribute]
		if n, ok := got.(json.Number); ok { // the plan's numbers are not decoded
			got, _ = n.Float64()
		}
		if !reflect.DeepEqual(got, c.want) {
			resp.Error = fmt.Errorf("%s.%s read %#v before the change, want %#v", c.address, c.attribute, got, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.address)
}

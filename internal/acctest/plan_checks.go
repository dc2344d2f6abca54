// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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

// DiagnosticsRecorder serves the provider like ProviderFactories and keeps
// the warnings it returns from planning, which terraform-plugin-testing does
// not expose to checks.
type DiagnosticsRecorder struct {
	mu       sync.Mutex
	warnings []*tfprotov6.Diagnostic
}

// Factories returns provider factories that record into r.
func (r *DiagnosticsRecorder) Factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"molecule": func() (tfprotov6.ProviderServer, error) {
			inner, err := ProviderFactories["molecule"]()
			if err != nil {
				return nil, err
			}
			return &recordingServer{ProviderServer: inner, rec: r}, nil
		},
	}
}

type recordingServer struct {
	tfprotov6.ProviderServer
	rec *DiagnosticsRecorder
}

func (s *recordingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.rec.mu.Lock()
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityWarning {
				s.rec.warnings = append(s.rec.warnings, d)
			}
		}
		s.rec.mu.Unlock()
	}
	return resp, err
}

// ExpectWarning checks that planning returned a warning whose summary and
// detail ("summary: detail") match re.
func (r *DiagnosticsRecorder) ExpectWarning(re *regexp.Regexp) plancheck.PlanCheck {
	return warningCheck{rec: r, re: re}
}

// ExpectNoWarning checks that no planning warning matched re.
func (r *DiagnosticsRecorder) ExpectNoWarning(re *regexp.Regexp) plancheck.PlanCheck {
	return warningCheck{rec: r, re: re, absent: true}
}

type warningCheck struct {
	rec    *DiagnosticsRecorder
	re     *regexp.Regexp
	absent bool
}

func (c warningCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	var seen []string
	for _, d := range c.rec.warnings {
		text := d.Summary + ": " + d.Detail
		if c.re.MatchString(text) {
			if c.absent {
				resp.Error = fmt.Errorf("unexpected plan warning %q", text)
			}
			return
		}
		seen = append(seen, text)
	}
	if !c.absent {
		resp.Error = fmt.Errorf("no plan warning matches %s; warnings: %q", c.re, seen)
	}
}

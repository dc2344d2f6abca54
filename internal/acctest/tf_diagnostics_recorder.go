// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

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

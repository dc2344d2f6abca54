// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"fmt"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// A crash for memory names memory_mb as the fix, also when the engine saw a
// SIGKILL but reported no OOM; other crashes get no memory advice.
func TestEngineErrorDetailAdvisesMemoryOnOOMAndSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name     string
		crash    workspace.CrashError
		want     string
		wantNone bool
	}{
		{name: "oom reported", crash: workspace.CrashError{ExitCode: 137, OOMKilled: true}, want: "It needed more memory than its limit: raise memory_mb."},
		{name: "sigkill without oom", crash: workspace.CrashError{ExitCode: 137}, want: "Exit code 137 is a SIGKILL: unless something outside killed it, that is the kernel's OOM killer"},
		{name: "own exit", crash: workspace.CrashError{ExitCode: 3}, wantNone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fmt.Errorf("creating: %w", &tc.crash)
			got := engineErrorDetail(err)
			if !strings.HasPrefix(got, err.Error()) {
				t.Errorf("detail does not start with the error:\n%s", got)
			}
			if tc.wantNone {
				if strings.Contains(got, "memory_mb") {
					t.Errorf("memory advice for exit code %d:\n%s", tc.crash.ExitCode, got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("detail lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package procsettings

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// clearLogSwitches unsets every log variable for the test (t.Setenv restores
// them afterwards).
func clearLogSwitches(t *testing.T) {
	t.Helper()
	for _, k := range logSwitches {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
}

func TestQuietLogsUnlessAsked(t *testing.T) {
	t.Run("no logs asked for", func(t *testing.T) {
		clearLogSwitches(t)
		QuietLogsUnlessAsked()
		for _, k := range quietedLogs {
			if got := os.Getenv(k); got != "off" {
				t.Errorf("%s = %q, want off", k, got)
			}
		}
	})
	for _, asked := range logSwitches {
		t.Run(asked+" set", func(t *testing.T) {
			clearLogSwitches(t)
			t.Setenv(asked, "DEBUG")
			QuietLogsUnlessAsked()
			for _, k := range quietedLogs {
				if k != asked && os.Getenv(k) != "" {
					t.Errorf("with %s set, %s = %q: the user's choice must stand", asked, k, os.Getenv(k))
				}
			}
		})
	}
}

func TestTuneGCUnlessSet(t *testing.T) {
	original := debug.SetGCPercent(100)
	originalLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(original); debug.SetMemoryLimit(originalLimit) })

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	TuneGCUnlessSet()
	if got := debug.SetGCPercent(100); got != fleetGCPercent {
		t.Errorf("GC target without GOGC = %d, want %d", got, fleetGCPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != fleetMemoryLimit {
		t.Errorf("memory limit without GOMEMLIMIT = %d, want %d", got, fleetMemoryLimit)
	}
	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "1GiB")
	TuneGCUnlessSet()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC target with GOGC set = %d, want it left alone (100)", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("memory limit with GOMEMLIMIT set = %d, want it left alone", got)
	}
}

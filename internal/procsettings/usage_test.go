// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package procsettings

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each call appends one line: the peak RSS (at least the heap this test
// touched) and the CPU time, in the form the fleet benchmark reads.
func TestRecordUsageIfAskedAppendsOneLinePerProcess(t *testing.T) {
	file := filepath.Join(t.TempDir(), "usage")
	t.Setenv(UsageLogEnv, file)
	ballast := make([]byte, 32<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	burn := 0
	for i := range 50_000_000 {
		burn += i % 7
	}
	RecordUsageIfAsked()
	RecordUsageIfAsked()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", data)
	}
	var kb, ms int64
	if n, err := fmt.Sscan(lines[0], &kb, &ms); n != 2 || err != nil {
		t.Fatalf("line %q: %v", lines[0], err)
	}
	if kb < 32<<10 || ms <= 0 {
		t.Errorf("peak %d KiB (want at least the 32 MiB touched), cpu %d ms (want > 0; burn %d, ballast %d)", kb, ms, burn, ballast[len(ballast)-1])
	}
}

func TestRecordUsageIfAskedWritesNothingUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(UsageLogEnv, "")
	t.Chdir(dir)
	RecordUsageIfAsked()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written without %s: %v", UsageLogEnv, entries)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot is the module's root directory (for scripts/).
func RepoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the acctest package's source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// goCommand finds go: PATH, then the usual install location.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

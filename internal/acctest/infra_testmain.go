// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// acceptancePattern matches the names of acceptance tests: every test that
// may touch an engine, a cluster or the terraform binary is a TestAcc*.
const acceptancePattern = "^TestAcc[A-Z_]"

// RunTests is the TestMain of every package holding acceptance tests. When
// TF_ACC is unset it adds acceptancePattern to -test.skip before any test
// starts, so no acceptance test runs at all: neither the test nor its setup
// (engines, sshd, images, networks) can touch anything. It returns the exit
// code of m.Run.
func RunTests(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if os.Getenv("TF_ACC") == "" {
		skipAcceptanceTests()
	}
	return m.Run()
}

// skipAcceptanceTests adds acceptancePattern to -test.skip (keeping a
// pattern given on the command line) and says so on stdout.
func skipAcceptanceTests() {
	skip := flag.Lookup("test.skip")
	if skip == nil {
		// Only go test's flags are missing in a binary not built by go test.
		fmt.Fprintln(os.Stderr, "acctest: no -test.skip flag; acceptance tests cannot be skipped")
		os.Exit(2)
	}
	pattern := acceptancePattern
	if given := skip.Value.String(); given != "" {
		pattern = given + "|" + acceptancePattern
	}
	if err := skip.Value.Set(pattern); err != nil {
		fmt.Fprintln(os.Stderr, "acctest: setting -test.skip:", err)
		os.Exit(2)
	}
	fmt.Println("acctest: TF_ACC is unset, so the acceptance tests (TestAcc*) are skipped; set TF_ACC=1 to run them against a Docker engine")
}

// AcceptanceOnly skips outside acceptance runs (TF_ACC unset), as
// resource.Test does. RunTests already keeps TestAcc* tests from running
// then; every acctest entry point that reaches an engine (PreCheck, Docker,
// NewWorkdir, StartExtraEngine, StartSSHServer) calls this as well, so a
// package without RunTests still touches nothing.
func AcceptanceOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it against a Docker engine")
	}
}

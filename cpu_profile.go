// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file path prefix: when set, every provider process
// writes a CPU profile (go tool pprof) of its whole life to
// <prefix>.<pid>.pprof when Terraform stops it. Terraform starts the
// provider several times per command, hence one file per process. For
// measuring the provider (README, "Developing"); off unless set.
const cpuProfileEnv = "MOLECULE_CPU_PROFILE"

// startCPUProfile starts profiling when cpuProfileEnv is set and returns the
// function that stops it and writes the file.
func startCPUProfile() (stop func()) {
	prefix := os.Getenv(cpuProfileEnv)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

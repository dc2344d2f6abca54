// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package procsettings

import (
	"fmt"
	"os"
)

// UsageLogEnv names a file to which a provider process appends one line as
// it ends: its peak resident memory (KiB) and the CPU time it used (ms, user
// + system). The fleet benchmark reads it, so that it measures the provider
// as Terraform runs it, with no launcher process in between; off unless set.
const UsageLogEnv = "MOLECULE_TF_PROCESS_LOG"

// RecordUsageIfAsked appends the process's usage line to the file
// UsageLogEnv names, if any. Call it last, once the provider has served.
func RecordUsageIfAsked() {
	file := os.Getenv(UsageLogEnv)
	if file == "" {
		return
	}
	peakKB, cpuMS, ok := selfUsage()
	if !ok {
		return
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	// One write per line: processes of one step append side by side.
	_, _ = fmt.Fprintf(f, "%d %d\n", peakKB, cpuMS)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

//go:build !unix

package procsettings

// selfUsage is not measured where getrusage is missing (Windows).
func selfUsage() (peakKB, cpuMS int64, ok bool) { return 0, 0, false }

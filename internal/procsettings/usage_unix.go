// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package procsettings

import (
	"runtime"
	"syscall"
	"time"
)

// selfUsage is this process's peak RSS in KiB and CPU time in ms.
func selfUsage() (peakKB, cpuMS int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	peakKB = int64(ru.Maxrss) //nolint:unconvert // int32 on 386 and arm; KiB on Linux and the BSDs
	if runtime.GOOS == "darwin" {
		peakKB /= 1024 // bytes on macOS
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return peakKB, cpu.Milliseconds(), true
}

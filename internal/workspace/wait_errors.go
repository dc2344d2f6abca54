// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"strings"
	"time"
)

// CrashError reports a container that died or restarted while we waited.
type CrashError struct {
	Container    string
	Status       string
	ExitCode     int
	OOMKilled    bool
	RestartCount int
	After        time.Duration
	Logs         []string
}

// SIGKILLExitCode is a container's exit code after SIGKILL (128 + 9), the
// signal of the kernel's OOM killer.
const SIGKILLExitCode = 137

// ExitCodeUnknown is CrashError's ExitCode when the failed run's exit could
// not be recovered: better said than reported as 0.
const ExitCodeUnknown = -1

func (c *CrashError) Error() string {
	var b strings.Builder
	exit := fmt.Sprintf("exit code %d", c.ExitCode)
	if c.ExitCode == ExitCodeUnknown {
		exit = "exit code unknown (the engine no longer reports the failed run's exit)"
	}
	fmt.Fprintf(&b, "workspace container %s stopped serving %s after start: status %s, %s, OOM killed %t, restarts %d.",
		c.Container, c.After.Round(10*time.Millisecond), c.Status, exit, c.OOMKilled, c.RestartCount)
	b.WriteString(" It has been stopped so that its restart policy does not loop.")
	if len(c.Logs) > 0 {
		fmt.Fprintf(&b, "\nLast %d log lines:\n  %s", len(c.Logs), strings.Join(c.Logs, "\n  "))
	}
	return b.String()
}

// NotReadyError reports a container that kept running but never answered.
type NotReadyError struct {
	Container string
	URL       string
	After     time.Duration
	LastErr   error
	Logs      []string
}

func (n *NotReadyError) Error() string {
	msg := fmt.Sprintf("workspace container %s did not answer on %s within %s (last error: %v).",
		n.Container, n.URL, n.After.Round(time.Second), n.LastErr)
	if len(n.Logs) > 0 {
		msg += fmt.Sprintf("\nLast %d log lines:\n  %s", len(n.Logs), strings.Join(n.Logs, "\n  "))
	}
	return msg
}

// UnhealthyError reports a container whose image HEALTHCHECK failed while
// we waited for it, with the check's last output.
type UnhealthyError struct {
	Container     string
	After         time.Duration
	FailingStreak int
	LastLog       string
	ExitCode      int
}

func (u *UnhealthyError) Error() string {
	return fmt.Sprintf("workspace container %s became unhealthy %s after start: its image's HEALTHCHECK failed %d times in a row. Last health check (exit code %d):\n  %s\nFix what the check reports (see docker inspect --format '{{json .State.Health}}' %s), or use an image without that HEALTHCHECK.",
		u.Container, u.After.Round(10*time.Millisecond), u.FailingStreak, u.ExitCode, strings.ReplaceAll(strings.TrimSpace(u.LastLog), "\n", "\n  "), u.Container)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
)

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

// healthOf is the container's health when its image has a HEALTHCHECK, else nil.
func healthOf(info container.InspectResponse) *container.Health {
	if info.State == nil || info.State.Health == nil || info.State.Health.Status == container.NoHealthcheck {
		return nil
	}
	return info.State.Health
}

func unhealthy(s WorkspaceSpec, h *container.Health, start time.Time) error {
	u := &UnhealthyError{Container: s.ContainerName(), After: time.Since(start), FailingStreak: h.FailingStreak}
	if n := len(h.Log); n > 0 {
		u.LastLog, u.ExitCode = h.Log[n-1].Output, h.Log[n-1].ExitCode
	}
	if u.LastLog == "" {
		u.LastLog = "(no output)"
	}
	return u
}

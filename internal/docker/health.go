// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// healthOf is the container's health when its image has a HEALTHCHECK, else nil.
func healthOf(info container.InspectResponse) *container.Health {
	if info.State == nil || info.State.Health == nil || info.State.Health.Status == container.NoHealthcheck {
		return nil
	}
	return info.State.Health
}

func unhealthy(s workspace.WorkspaceSpec, h *container.Health, start time.Time) error {
	u := &workspace.UnhealthyError{Container: s.ContainerName(), After: time.Since(start), FailingStreak: h.FailingStreak}
	if n := len(h.Log); n > 0 {
		u.LastLog, u.ExitCode = h.Log[n-1].Output, h.Log[n-1].ExitCode
	}
	if u.LastLog == "" {
		u.LastLog = "(no output)"
	}
	return u
}

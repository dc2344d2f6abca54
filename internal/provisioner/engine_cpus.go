// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"context"
	"fmt"
)

// CPUCount returns how many CPUs the engine's host has, which bounds a
// container's CPU limit: Docker refuses a limit above it. Asked once per
// provider run.
func (e *Engine) CPUCount(ctx context.Context) (int, error) {
	if n := e.cpuCount.Load(); n > 0 {
		return int(n), nil
	}
	info, err := e.cli.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("asking the Docker engine at %s for its CPU count: %w", e.host, err)
	}
	e.cpuCount.Store(int64(info.NCPU))
	return info.NCPU, nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"strings"
)

// SeesHostFiles reports whether the engine's host is this machine (a unix
// socket), so that host paths for bind mounts can be checked with os.Stat.
// For tcp:// and ssh:// engines the paths live on another machine.
func (e *Engine) SeesHostFiles() bool { return strings.HasPrefix(e.host, "unix://") }

// SocketPath is the engine's unix socket path, or "".
func (e *Engine) SocketPath() string {
	if !e.SeesHostFiles() {
		return ""
	}
	return strings.TrimPrefix(e.host, "unix://")
}

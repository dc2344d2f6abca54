// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

// Changes lists what an in-place update must do.
type Changes struct {
	Limits bool // memory / CPU
	Files  bool // rewrite the managed files in /configs (restarts a running container)
}

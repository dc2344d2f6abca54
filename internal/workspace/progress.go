// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "context"

// Progress receives milestones (volume, container, copy, start, waiting,
// ready) so the caller can log them; a backend has no logger of its own.
type Progress func(ctx context.Context, msg string, fields map[string]any)

// Emit reports one step; a nil Progress reports nothing.
func (p Progress) Emit(ctx context.Context, msg string, fields map[string]any) {
	if p != nil {
		p(ctx, msg, fields)
	}
}

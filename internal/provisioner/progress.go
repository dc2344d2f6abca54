// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import "context"

// Progress receives milestones (volume, container, copy, start, waiting,
// ready) so the caller can log them; the provisioner has no logger of its own.
type Progress func(ctx context.Context, msg string, fields map[string]any)

func (p Progress) emit(ctx context.Context, msg string, fields map[string]any) {
	if p != nil {
		p(ctx, msg, fields)
	}
}

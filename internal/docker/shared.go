// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import "golang.org/x/sync/singleflight"

// shared runs call once for all callers asking for key at the same time;
// each gets the same answer. The call runs on the first caller's context.
func shared[T any](g *singleflight.Group, key string, call func() (T, error)) (T, error) {
	v, err, _ := g.Do(key, func() (any, error) { return call() })
	answer, _ := v.(T)
	return answer, err
}

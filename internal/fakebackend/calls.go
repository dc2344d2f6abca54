// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import "slices"

// Call is one call made on the backend: the method and what it was about
// (a workspace id, an image reference, a network or volume name; "" when
// nothing in particular).
type Call struct {
	Method string
	Target string
}

// writeMethods change what the backend holds.
var writeMethods = []string{"Create", "Update", "Delete", "Adopt", "CreateNetwork", "DeleteNetwork"}

// IsWrite reports whether the call changes what the backend holds.
func (c Call) IsWrite() bool { return slices.Contains(writeMethods, c.Method) }

// Calls returns every call made since New or the last ResetCalls.
func (b *Backend) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// Writes returns the calls that changed something.
func (b *Backend) Writes() []Call { return b.callsWhere(Call.IsWrite) }

// CallsFor returns the calls about one target (a workspace id, say).
func (b *Backend) CallsFor(target string) []Call {
	return b.callsWhere(func(c Call) bool { return c.Target == target })
}

// CallsOf returns the calls of one method.
func (b *Backend) CallsOf(method string) []Call {
	return b.callsWhere(func(c Call) bool { return c.Method == method })
}

func (b *Backend) callsWhere(keep func(Call) bool) []Call {
	var out []Call
	for _, c := range b.Calls() {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the calls recorded so far.
func (b *Backend) ResetCalls() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = nil
}

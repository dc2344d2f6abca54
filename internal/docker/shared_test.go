// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/singleflight"
)

// TestSharedAsksOnceForConcurrentCallers: callers arriving while a lookup is
// in flight get its answer (and its error) without a call of their own.
func TestSharedAsksOnceForConcurrentCallers(t *testing.T) {
	var g singleflight.Group
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	answers := make([]string, 8)
	errs := make([]error, 8)
	for i := range answers {
		wg.Go(func() {
			answers[i], errs[i] = shared(&g, "image\x00x", func() (string, error) {
				calls.Add(1)
				<-release
				return "sha256:abc", errors.New("transient")
			})
		})
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the other callers join the call in flight
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d engine calls for 8 concurrent callers, want 1", n)
	}
	for i := range answers {
		if answers[i] != "sha256:abc" || errs[i] == nil {
			t.Errorf("caller %d got %q, %v", i, answers[i], errs[i])
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// The waits (pod Ready, pods gone, claim gone) poll the API with backoff,
// which alone costs up to a second of latency per round and a get or list
// per round. A watch on the same objects nudges them instead: each change
// ends the current pause at once, and the poll, which stays the source of
// truth, re-reads. Without a watch (refused, or the stream ends) the waits
// poll as before.

// maxPollDelay is the longest pause between two reads of a wait: a second
// when polling alone, longer while watches nudge the wait at each change.
func maxPollDelay(watching bool) time.Duration {
	if watching {
		return 5 * time.Second
	}
	return time.Second
}

// nudges merges the events of watches into one channel that holds at most
// one pending nudge, so a burst of events costs one re-read, and reports
// whether every watch opened. It stops the watches when ctx ends.
func nudges(ctx context.Context, opens ...func(context.Context) (watch.Interface, error)) (<-chan struct{}, bool) {
	out := make(chan struct{}, 1)
	all := true
	for _, open := range opens {
		w, err := open(ctx)
		if err != nil {
			all = false // polling alone still converges
			continue
		}
		go func() {
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case _, ok := <-w.ResultChan():
					if !ok {
						return
					}
					select {
					case out <- struct{}{}:
					default: // a nudge is already pending
					}
				}
			}
		}()
	}
	return out, all
}

// pause waits for delay, a nudge or the end of ctx, whichever comes first,
// and reports whether ctx is still live.
func pause(ctx context.Context, delay time.Duration, nudge <-chan struct{}) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-nudge:
	case <-t.C:
	}
	return true
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// The waits (pod Ready, pods gone, claims gone) read their objects once and
// then follow watches opened at the read's resourceVersion, judging each
// event's object as it comes: the cluster's own pace, at the cost of one
// read and one watch per kind, as client-go's informers do. Polling is the
// fallback: when a watch cannot open the wait re-reads with backoff, and
// when a watch ends (server timeout, expired version) it reads again.

// Poll delays of a wait whose watch cannot open, and how often a followed
// wait re-reads anyway, in case a watch stalls without ending.
const (
	firstPollDelay = 100 * time.Millisecond
	maxPollDelay   = time.Second
	rereadEvery    = 30 * time.Second
)

// follower is one wait: read refreshes its picture of the objects and
// returns the resourceVersion each watch opens at; apply folds an event
// into the picture; judge says whether the wait is over (and how).
type follower struct {
	read  func(context.Context) ([]string, error)
	opens []func(ctx context.Context, resourceVersion string) (watch.Interface, error)
	apply func(watch.Event)
	judge func() (done bool, err error)
	// retryReads keeps the wait going through failed reads (the removal
	// waits); otherwise a failed read ends it.
	retryReads bool
}

// follow runs f until judge is done, a read fails (without retryReads) or
// ctx ends; it returns ctx's error then, or lastErr when reads kept
// failing until ctx ended.
func follow(ctx context.Context, f follower) (lastErr error) {
	delay := firstPollDelay
	for {
		versions, err := f.read(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !f.retryReads:
			return err
		case err != nil:
			lastErr = err
		default:
			if done, err := f.judge(); done || err != nil {
				return err
			}
			switch outcome, err := followWatches(ctx, f, versions); outcome {
			case finished:
				return err
			case readAgain:
				delay = firstPollDelay
				continue
			}
		}
		if !sleep(ctx, delay) {
			if lastErr != nil {
				return lastErr
			}
			return ctx.Err()
		}
		delay = min(delay*3/2, maxPollDelay)
	}
}

// watchOutcome is how followWatches ended.
type watchOutcome int

const (
	cannotWatch watchOutcome = iota // a watch did not open: poll
	readAgain                       // a watch ended, or rereadEvery passed
	finished                        // judge is done, or ctx ended (err says)
)

// followWatches opens f's watches at versions and applies their events
// until judge is done, a watch ends, rereadEvery passes or ctx ends.
func followWatches(ctx context.Context, f follower, versions []string) (watchOutcome, error) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan watch.Event)
	ended := make(chan struct{}, len(f.opens))
	for i, open := range f.opens {
		w, err := open(wctx, versions[i])
		if err != nil {
			return cannotWatch, nil
		}
		go func() {
			defer w.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok || ev.Type == watch.Error {
						ended <- struct{}{}
						return
					}
					select {
					case events <- ev:
					case <-wctx.Done():
						return
					}
				}
			}
		}()
	}
	reread := time.NewTimer(rereadEvery)
	defer reread.Stop()
	for {
		select {
		case <-ctx.Done():
			return finished, ctx.Err()
		case <-ended:
			return readAgain, nil
		case <-reread.C:
			return readAgain, nil
		case ev := <-events:
			if ev.Type == watch.Bookmark {
				continue
			}
			f.apply(ev)
			if done, err := f.judge(); done || err != nil {
				return finished, err
			}
		}
	}
}

// sleep waits for delay or the end of ctx and reports whether ctx is live.
func sleep(ctx context.Context, delay time.Duration) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

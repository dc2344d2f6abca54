// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// A burst of watch events is one pending nudge, which ends a pause at once;
// a watch that cannot open leaves the wait polling.
func TestNudgesEndAPauseEarly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake := watch.NewFakeWithChanSize(3, false)
	nudge, watching := nudges(ctx,
		func(context.Context) (watch.Interface, error) { return fake, nil },
		func(context.Context) (watch.Interface, error) { return nil, errors.New("forbidden") })
	if watching {
		t.Error("one watch was refused: the wait must know it polls alone")
	}
	for range 3 {
		fake.Modify(&corev1.Pod{})
	}
	start := time.Now()
	if !pause(ctx, time.Minute, nudge) || time.Since(start) > 5*time.Second {
		t.Fatalf("a nudge should end the pause at once (took %s)", time.Since(start))
	}
	// The burst left at most one more nudge pending.
	time.Sleep(50 * time.Millisecond)
	pending := 0
	for len(nudge) > 0 {
		<-nudge
		pending++
	}
	if pending > 1 {
		t.Errorf("%d nudges pending after a burst, want at most 1", pending)
	}
	if start := time.Now(); !pause(ctx, 20*time.Millisecond, nudge) || time.Since(start) < 20*time.Millisecond {
		t.Error("without a nudge the pause lasts its delay")
	}
	cancel()
	if pause(ctx, time.Minute, nudge) {
		t.Error("a pause reports the end of its context")
	}
}

func TestMaxPollDelay(t *testing.T) {
	if maxPollDelay(false) != time.Second || maxPollDelay(true) <= time.Second {
		t.Errorf("polling alone backs off to 1 s; watched waits may rest longer: %s, %s", maxPollDelay(false), maxPollDelay(true))
	}
}

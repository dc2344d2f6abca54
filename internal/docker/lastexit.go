// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// lastExit recovers the exit code and OOM kill of a container's last exit
// when its restart policy already ran it again: Docker then reports the new
// run (exit code 0, no OOM) and only its event log still knows why the
// previous run ended. It reads the container's events from its creation to
// its latest start, both on the engine's clock: a finite, replayed stream.
func (e *Engine) lastExit(ctx context.Context, id string) (exitCode int, oomKilled, found bool) {
	info, err := e.cli.ContainerInspect(ctx, id)
	if err != nil || info.State == nil || info.State.StartedAt == "" {
		return 0, false, false
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, errs := e.cli.Events(ctx, events.ListOptions{
		Since: info.Created,
		Until: info.State.StartedAt,
		Filters: filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("container", id)),
	})
	// Per run: start, then oom and die in either order (the kernel's OOM
	// notice may reach the engine after the exit).
	runOOM, runDied := false, false
	for {
		select {
		case m := <-msgs:
			switch m.Action {
			case events.ActionStart:
				runOOM, runDied = false, false
			case events.ActionOOM:
				runOOM = true
				if runDied {
					oomKilled = true
				}
			case events.ActionDie:
				if code, err := strconv.Atoi(m.Actor.Attributes["exitCode"]); err == nil {
					exitCode, oomKilled, found = code, runOOM, true
				}
				runDied = true
			}
		case err := <-errs:
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, false, false
			}
			return exitCode, oomKilled, found
		}
	}
}

// oomReported reports whether the engine logged an OOM kill of the
// container's last run. The kernel's notice may reach the engine just after
// the exit, so the state can say "exit code 137, OOM killed false" for a run
// the kernel did kill for memory; the event log, read up to a little past
// the run's end (engine clock), says which.
func (e *Engine) oomReported(ctx context.Context, id string) bool {
	info, err := e.cli.ContainerInspect(ctx, id)
	if err != nil || info.State == nil {
		return false
	}
	if info.State.OOMKilled {
		return true
	}
	finished, err := time.Parse(time.RFC3339Nano, info.State.FinishedAt)
	if err != nil || finished.IsZero() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, oomNoticeGrace+5*time.Second)
	defer cancel()
	msgs, errs := e.cli.Events(ctx, events.ListOptions{
		Since: info.State.StartedAt,
		Until: finished.Add(oomNoticeGrace).Format(time.RFC3339Nano),
		Filters: filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("container", id), filters.Arg("event", string(events.ActionOOM))),
	})
	for {
		select {
		case m := <-msgs:
			if m.Action == events.ActionOOM {
				return true
			}
		case err := <-errs:
			_ = err // the window's end (io.EOF) or a failure: no OOM seen either way
			return false
		}
	}
}

// oomNoticeGrace is how long after a run's end an OOM notice is still taken
// as the reason for it.
const oomNoticeGrace = time.Second

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// remoteSettle is how long a container on a remote engine must keep running,
// without a restart, to count as ready (its agent port is not reachable).
const remoteSettle = 3 * time.Second

// crashLogLines is how much of a crashed container's log an error carries.
const crashLogLines = 20

// WaitReady polls, with short backoff, until the container answers HTTP on the
// agent port at ReadyPath. A container that exits, restarts or is OOM-killed
// fails at once: it is stopped and a CrashError carries its last log lines.
func (e *Engine) WaitReady(ctx context.Context, s workspace.WorkspaceSpec, containerID string, restartsBefore int, progress workspace.Progress) error {
	_, err := e.waitReady(ctx, s, containerID, restartsBefore, progress)
	return err
}

// waitReady is WaitReady returning the last look at the container, taken
// while it served (or just before the agent answered): the observation of a
// workspace that has just become ready, with no need to inspect it again.
func (e *Engine) waitReady(ctx context.Context, s workspace.WorkspaceSpec, containerID string, restartsBefore int, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	start := time.Now()
	if s.ReadyTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.ReadyTimeout)
		defer cancel()
	}
	agent := &agentProber{client: &http.Client{Timeout: 2 * time.Second}}
	delay := 25 * time.Millisecond
	lastLog := time.Time{}
	var url string
	var lastErr error
	var runningSince time.Time
	for {
		info, err := e.cli.ContainerInspect(ctx, containerID)
		if err != nil {
			if ctx.Err() != nil {
				return workspace.ObservedWorkspace{}, e.notReady(s, containerID, url, start, lastErr)
			}
			return workspace.ObservedWorkspace{}, fmt.Errorf("inspecting %s while waiting for it: %w", s.ContainerName(), err)
		}
		obs := observe(info, s.WorkspaceID)
		if crashed(info, restartsBefore) {
			return workspace.ObservedWorkspace{}, e.crash(s, containerID, obs, start)
		}
		// An image with a HEALTHCHECK is ready once the engine calls it
		// healthy (and it serves); unhealthy fails at once.
		health := healthOf(info)
		if health != nil && health.Status == container.Unhealthy {
			return workspace.ObservedWorkspace{}, unhealthy(s, health, start)
		}
		healthy := health == nil || health.Status == container.Healthy
		if url == "" && e.local {
			url = readyURL(obs, s)
		}
		if !e.local && obs.Running && healthy {
			// The agent's port is bound to the engine host's loopback, out of
			// our reach: a remote workspace is ready once it has kept running,
			// without a restart, for remoteSettle.
			if runningSince.IsZero() {
				runningSince = time.Now()
			}
			if time.Since(runningSince) >= remoteSettle {
				progress.Emit(ctx, "workspace ready (remote engine: running without restarts)", map[string]any{"container": s.ContainerName(), "elapsed": time.Since(start).String()})
				return obs, nil
			}
		}
		if url != "" && obs.Running && healthy {
			if lastErr = lastAnswer(ctx, lastErr, probe(ctx, agent.client, url)); lastErr == nil {
				progress.Emit(ctx, "workspace ready", map[string]any{"container": s.ContainerName(), "url": url, "elapsed": time.Since(start).String()})
				return obs, nil
			}
		}
		if time.Since(lastLog) > 5*time.Second {
			fields := map[string]any{"container": s.ContainerName(), "elapsed": time.Since(start).Round(time.Millisecond).String()}
			if health != nil {
				fields["health"] = health.Status
			}
			progress.Emit(ctx, "waiting for workspace to serve", fields)
			lastLog = time.Now()
		}
		// Until the next look at the container, the agent is probed on a
		// quicker schedule of its own: probes cost the engine nothing, and
		// the agent is seen as soon as it listens.
		if agent.probeUntil(ctx, url, url != "" && obs.Running && healthy, time.Now().Add(delay), &lastErr) {
			progress.Emit(ctx, "workspace ready", map[string]any{"container": s.ContainerName(), "url": url, "elapsed": time.Since(start).String()})
			return obs, nil
		}
		if ctx.Err() != nil {
			return workspace.ObservedWorkspace{}, e.notReady(s, containerID, url, start, lastErr)
		}
		delay = min(delay*2, 500*time.Millisecond)
	}
}

// agentProber probes the agent between looks at its container, with a
// backoff of its own (5 ms doubling to 100 ms) kept across those looks.
type agentProber struct {
	client *http.Client
	step   time.Duration
}

// probeUntil waits until deadline or the end of ctx, probing url meanwhile
// when probing; it reports whether the agent answered.
func (a *agentProber) probeUntil(ctx context.Context, url string, probing bool, deadline time.Time, lastErr *error) bool {
	for {
		wait := time.Until(deadline)
		if probing {
			a.step = min(max(a.step*2, 5*time.Millisecond), 100*time.Millisecond)
			wait = min(wait, a.step)
		}
		if wait <= 0 {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		if !probing || !time.Now().Before(deadline) {
			return false // the caller looks at the container, then probes
		}
		if *lastErr = lastAnswer(ctx, *lastErr, probe(ctx, a.client, url)); *lastErr == nil {
			return true
		}
	}
}

// crashed is true when the container is not on its way to serving.
func crashed(info container.InspectResponse, restartsBefore int) bool {
	st := info.State
	if st == nil {
		return false
	}
	return st.OOMKilled || st.Restarting || info.RestartCount > restartsBefore ||
		st.Status == "exited" || st.Status == "dead"
}

// readyURL is the host port when published, else the container's address.
func readyURL(o workspace.ObservedWorkspace, s workspace.WorkspaceSpec) string {
	path := s.ReadyPath
	if path == "" {
		path = workspace.DefaultReadyPath
	}
	switch {
	case o.HostPort != "":
		return "http://127.0.0.1:" + o.HostPort + path
	case s.HostNetwork():
		return fmt.Sprintf("http://127.0.0.1:%d%s", workspace.AgentPort, path)
	case o.ContainerIP != "":
		return fmt.Sprintf("http://%s:%d%s", o.ContainerIP, workspace.AgentPort, path)
	}
	return ""
}

// lastAnswer is what a failed wait reports: the newest probe result, except
// that a probe cut short by the wait's own deadline keeps the answer before it
// ("HTTP 404" says more than "context deadline exceeded").
func lastAnswer(ctx context.Context, previous, latest error) error {
	if latest != nil && previous != nil && ctx.Err() != nil {
		return previous
	}
	return latest
}

func probe(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// crash stops the container (so unless-stopped does not loop) and describes it.
func (e *Engine) crash(s workspace.WorkspaceSpec, id string, o workspace.ObservedWorkspace, start time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	after := time.Since(start)
	// Stop first: the restart policy brings it back within 100ms, and every
	// round is another crash. Its logs stay readable once stopped.
	timeout := 0
	_ = e.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout})
	if o.Running {
		// Already run again by its restart policy: its state describes the
		// new run, the engine's events the exit that matters.
		o.Status = "restarted"
		// The engine replays only its last 256 events: on a busy engine
		// the exit may be gone, and the new run's 0 would be a lie.
		o.ExitCode = workspace.ExitCodeUnknown
		if code, oom, ok := e.lastExit(ctx, id); ok {
			o.ExitCode, o.OOMKilled = code, oom
		}
	} else if o.ExitCode == workspace.SIGKILLExitCode && !o.OOMKilled {
		o.OOMKilled = e.oomReported(ctx, id)
	}
	logs := e.tailLogs(ctx, id)
	return &workspace.CrashError{Container: s.ContainerName(), Status: o.Status, ExitCode: o.ExitCode, OOMKilled: o.OOMKilled,
		RestartCount: o.RestartCount, After: after, Logs: logs}
}

func (e *Engine) notReady(s workspace.WorkspaceSpec, id, url string, start time.Time, lastErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if lastErr == nil {
		lastErr = fmt.Errorf("no address to probe yet")
	}
	return &workspace.NotReadyError{Container: s.ContainerName(), URL: url, After: time.Since(start), LastErr: lastErr, Logs: e.tailLogs(ctx, id)}
}

// tailLogs returns the container's last log lines, stdout and stderr merged.
func (e *Engine) tailLogs(ctx context.Context, id string) []string {
	rc, err := e.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(crashLogLines)})
	if err != nil {
		return []string{"(logs unavailable: " + err.Error() + ")"}
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return []string{"(logs unreadable: " + err.Error() + ")"}
	}
	var lines []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > crashLogLines {
		lines = lines[len(lines)-crashLogLines:]
	}
	return lines
}

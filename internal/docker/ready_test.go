// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func state(status string, mutate ...func(*container.State)) *container.State {
	st := &container.State{Status: status, Running: status == "running" || status == "restarting", Restarting: status == "restarting"}
	for _, m := range mutate {
		m(st)
	}
	return st
}

func TestCrashed(t *testing.T) {
	oom := func(s *container.State) { s.OOMKilled = true }
	cases := []struct {
		name           string
		state          *container.State
		restarts       int
		restartsBefore int
		want           bool
	}{
		{"no state yet", nil, 0, 0, false},
		{"created, not started yet", state("created"), 0, 0, false},
		{"running", state("running"), 0, 0, false},
		{"running after an API restart, count unchanged", state("running"), 2, 2, false},
		{"restarting", state("restarting"), 0, 0, true},
		{"exited", state("exited"), 0, 0, true},
		{"dead", state("dead"), 0, 0, true},
		{"OOM-killed", state("running", oom), 0, 0, true},
		{"restarted between two polls", state("running"), 1, 0, true},
		{"restarted again after an API restart", state("running"), 3, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info := container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{State: c.state, RestartCount: c.restarts}}
			if got := crashed(info, c.restartsBefore); got != c.want {
				t.Errorf("crashed = %t, want %t", got, c.want)
			}
		})
	}
}

func TestReadyURL(t *testing.T) {
	cases := []struct {
		name string
		obs  workspace.ObservedWorkspace
		spec workspace.WorkspaceSpec
		want string
	}{
		{"host port, default path", workspace.ObservedWorkspace{HostPort: "32768", ContainerIP: "172.18.0.5"}, workspace.WorkspaceSpec{Tier: 2},
			"http://127.0.0.1:32768/.well-known/agent-card.json"},
		{"host port, configured path", workspace.ObservedWorkspace{HostPort: "32768"}, workspace.WorkspaceSpec{Tier: 2, ReadyPath: "/healthz"},
			"http://127.0.0.1:32768/healthz"},
		{"host network (tier 4) has no published port", workspace.ObservedWorkspace{}, workspace.WorkspaceSpec{Tier: 4, ReadyPath: "/healthz"},
			"http://127.0.0.1:8000/healthz"},
		{"no host port: the container's address", workspace.ObservedWorkspace{ContainerIP: "172.18.0.5"}, workspace.WorkspaceSpec{Tier: 2},
			"http://172.18.0.5:8000/.well-known/agent-card.json"},
		{"nothing to probe yet", workspace.ObservedWorkspace{}, workspace.WorkspaceSpec{Tier: 2}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := readyURL(c.obs, c.spec); got != c.want {
				t.Errorf("readyURL = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCrashErrorMessage(t *testing.T) {
	err := &workspace.CrashError{Container: "ws-abc", Status: "restarting", ExitCode: 137, OOMKilled: true, RestartCount: 1,
		After: 1234 * time.Millisecond, Logs: []string{"starting", "allocating 256 MiB"}}
	msg := err.Error()
	for _, want := range []string{
		"ws-abc", "1.23s after start", "status restarting", "exit code 137", "OOM killed true", "restarts 1",
		"has been stopped", "\nLast 2 log lines:\n  starting\n  allocating 256 MiB",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	quiet := (&workspace.CrashError{Container: "ws-abc", Status: "exited", ExitCode: 1}).Error()
	if strings.Contains(quiet, "log lines") {
		t.Errorf("no logs, yet the message announces some:\n%s", quiet)
	}
}

func TestNotReadyErrorMessage(t *testing.T) {
	err := &workspace.NotReadyError{Container: "ws-abc", URL: "http://127.0.0.1:1/healthz", After: 3 * time.Second,
		LastErr: errors.New("HTTP 404"), Logs: []string{"listening on :8000"}}
	msg := err.Error()
	for _, want := range []string{"ws-abc", "http://127.0.0.1:1/healthz", "within 3s", "HTTP 404", "listening on :8000"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := srv.Client()
	if err := probe(context.Background(), c, srv.URL+"/ok"); err != nil {
		t.Errorf("probe of a 200 answer: %v", err)
	}
	if err := probe(context.Background(), c, srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("probe of a 404 answer = %v, want HTTP 404", err)
	}
}

// fakeDocker answers the calls WaitReady makes from a script of inspect
// responses (the last one repeats) and records stops.
type fakeDocker struct {
	client.APIClient
	mu       sync.Mutex
	inspects []container.InspectResponse
	logs     []string
	stops    []container.StopOptions
}

func (f *fakeDocker) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := f.inspects[0]
	if len(f.inspects) > 1 {
		f.inspects = f.inspects[1:]
	}
	return next, nil
}

func (f *fakeDocker) ContainerLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	var buf bytes.Buffer
	w := stdcopy.NewStdWriter(&buf, stdcopy.Stderr)
	for _, line := range f.logs {
		_, _ = w.Write([]byte(line + "\n"))
	}
	return io.NopCloser(&buf), nil
}

func (f *fakeDocker) ContainerStop(_ context.Context, _ string, opts container.StopOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops = append(f.stops, opts)
	return nil
}

func inspected(st *container.State, restarts int, hostPort string) container.InspectResponse {
	info := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: "c0ffee", Name: "/ws-abc", State: st, RestartCount: restarts},
		NetworkSettings:   &container.NetworkSettings{},
	}
	if hostPort != "" {
		info.NetworkSettings.Ports = nat.PortMap{agentPort: {{HostIP: "127.0.0.1", HostPort: hostPort}}}
	}
	return info
}

func TestWaitReadyCrashStopsAndCarriesLogs(t *testing.T) {
	var logs []string
	for i := 1; i <= 25; i++ {
		logs = append(logs, fmt.Sprintf("line %d", i))
	}
	exited := state("restarting", func(s *container.State) { s.ExitCode = 3 })
	fake := &fakeDocker{inspects: []container.InspectResponse{
		inspected(state("running"), 0, ""),
		inspected(exited, 1, ""),
	}, logs: logs}
	e := &Engine{cli: fake, host: "fake", local: true}
	start := time.Now()
	err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyTimeout: time.Minute}, "c0ffee", 0, nil)
	var crash *workspace.CrashError
	if !errors.As(err, &crash) {
		t.Fatalf("WaitReady = %v, want a CrashError", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a crash took %s to notice; it should not wait for the timeout", took)
	}
	if crash.ExitCode != 3 || crash.Status != workspace.StatusRestarting || crash.RestartCount != 1 {
		t.Errorf("crash = %+v", crash)
	}
	if len(crash.Logs) != crashLogLines || crash.Logs[0] != "line 6" || crash.Logs[crashLogLines-1] != "line 25" {
		t.Errorf("want the last %d log lines, got %q", crashLogLines, crash.Logs)
	}
	if len(fake.stops) != 1 || fake.stops[0].Timeout == nil || *fake.stops[0].Timeout != 0 {
		t.Errorf("the crashed container should be stopped at once, stops: %+v", fake.stops)
	}
}

func TestWaitReadyAnswersThroughHostPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	fake := &fakeDocker{inspects: []container.InspectResponse{inspected(state("running"), 0, port)}}
	e := &Engine{cli: fake, host: "fake", local: true}
	var msgs []string
	progress := workspace.Progress(func(_ context.Context, msg string, _ map[string]any) { msgs = append(msgs, msg) })
	spec := workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyPath: "/healthz", ReadyTimeout: 5 * time.Second}
	if err := e.WaitReady(context.Background(), spec, "c0ffee", 0, progress); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	if len(fake.stops) != 0 {
		t.Errorf("a ready container must not be stopped")
	}
	if len(msgs) == 0 || msgs[len(msgs)-1] != "workspace ready" {
		t.Errorf("progress = %q, want it to end with workspace ready", msgs)
	}
}

func TestWaitReadyTimesOutWithoutStopping(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	fake := &fakeDocker{inspects: []container.InspectResponse{inspected(state("running"), 0, port)}, logs: []string{"listening"}}
	e := &Engine{cli: fake, host: "fake", local: true}
	err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyTimeout: 300 * time.Millisecond}, "c0ffee", 0, nil)
	var notReady *workspace.NotReadyError
	if !errors.As(err, &notReady) {
		t.Fatalf("WaitReady = %v, want a NotReadyError", err)
	}
	if !strings.Contains(notReady.Error(), "HTTP 404") || notReady.Logs[0] != "listening" {
		t.Errorf("not-ready error should carry the last answer and the logs: %v", notReady)
	}
	if len(fake.stops) != 0 {
		t.Errorf("a running container that is merely slow is left running")
	}
}

// The wait's deadline can cut a probe short: the error still gives the
// agent's last answer, not the cancelled request (CI saw "context deadline
// exceeded" where the test expected "HTTP 404").
func TestWaitReadyKeepsTheLastAnswerWhenTheDeadlineCutsAProbe(t *testing.T) {
	var answered sync.Once
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		answered.Do(func() { first = true })
		if first {
			http.NotFound(w, r)
			return
		}
		select { // every later probe outlives the wait
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer srv.Close()
	defer close(hang)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	fake := &fakeDocker{inspects: []container.InspectResponse{inspected(state("running"), 0, port)}, logs: []string{"listening"}}
	e := &Engine{cli: fake, host: "fake", local: true}
	err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyTimeout: 400 * time.Millisecond}, "c0ffee", 0, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("WaitReady = %v, want the agent's last answer, HTTP 404", err)
	}
}

func TestLastAnswer(t *testing.T) {
	notFound, cut := errors.New("HTTP 404"), context.DeadlineExceeded
	live := context.Background()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name             string
		ctx              context.Context
		previous, latest error
		want             error
	}{
		{"the newest answer wins while waiting", live, notFound, cut, cut},
		{"a probe cut by the deadline keeps the answer before", ended, notFound, cut, notFound},
		{"the first probe has nothing before it", ended, nil, cut, cut},
		{"success is success", ended, notFound, nil, nil},
	} {
		if got := lastAnswer(c.ctx, c.previous, c.latest); !errors.Is(got, c.want) && got != c.want {
			t.Errorf("%s: lastAnswer = %v, want %v", c.name, got, c.want)
		}
	}
}

// fakeEvents adds the engine's event log to fakeDocker.
type fakeEvents struct {
	*fakeDocker
	log  []events.Message
	asks []events.ListOptions
}

func (f *fakeEvents) Events(_ context.Context, opts events.ListOptions) (<-chan events.Message, <-chan error) {
	f.asks = append(f.asks, opts)
	msgs, errs := make(chan events.Message), make(chan error, 1)
	go func() {
		for _, m := range f.log {
			msgs <- m
		}
		errs <- io.EOF
	}()
	return msgs, errs
}

func containerEvent(action events.Action, attrs map[string]string) events.Message {
	return events.Message{Type: events.ContainerEventType, Action: action, Actor: events.Actor{ID: "c0ffee", Attributes: attrs}}
}

// On a busy engine the failed run's events may have left the engine's
// replay buffer: the crash then says the exit code is unknown, never 0.
func TestWaitReadyRestartedContainerWithoutEvents(t *testing.T) {
	again := inspected(state("running"), 1, "")
	again.Created = "2026-01-01T00:00:00Z"
	again.State.StartedAt = "2026-01-01T00:00:02Z"
	fake := &fakeEvents{fakeDocker: &fakeDocker{inspects: []container.InspectResponse{inspected(state("running"), 0, ""), again}}}
	e := &Engine{cli: fake, host: "fake", local: true}
	err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyTimeout: time.Minute}, "c0ffee", 0, nil)
	var crash *workspace.CrashError
	if !errors.As(err, &crash) || crash.ExitCode != workspace.ExitCodeUnknown {
		t.Fatalf("WaitReady = %v, want a CrashError with an unknown exit code", err)
	}
	if msg := crash.Error(); !strings.Contains(msg, "exit code unknown") || strings.Contains(msg, "exit code 0") {
		t.Errorf("message: %s", msg)
	}
}

// When the restart policy ran the container again before a look at it, its
// state tells only of the new run: the exit code and the OOM kill of the run
// that failed come from the engine's events.
func TestWaitReadyRecoversTheExitOfARestartedContainer(t *testing.T) {
	again := inspected(state("running"), 1, "")
	again.Created = "2026-01-01T00:00:00Z"
	again.State.StartedAt = "2026-01-01T00:00:02Z"
	fake := &fakeEvents{
		fakeDocker: &fakeDocker{inspects: []container.InspectResponse{inspected(state("running"), 0, ""), again}, logs: []string{"allocating 256 MiB"}},
		log: []events.Message{
			containerEvent(events.ActionStart, nil),
			containerEvent(events.ActionOOM, nil),
			containerEvent(events.ActionDie, map[string]string{"exitCode": "137"}),
			containerEvent(events.ActionStart, nil),
		},
	}
	e := &Engine{cli: fake, host: "fake", local: true}
	err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", Tier: 2, ReadyTimeout: time.Minute}, "c0ffee", 0, nil)
	var crash *workspace.CrashError
	if !errors.As(err, &crash) {
		t.Fatalf("WaitReady = %v, want a CrashError", err)
	}
	if crash.ExitCode != 137 || !crash.OOMKilled || crash.Status != "restarted" || crash.RestartCount != 1 {
		t.Errorf("crash = %+v, want exit code 137, OOM-killed, restarted once", crash)
	}
	if len(fake.asks) != 1 || fake.asks[0].Since != again.Created || fake.asks[0].Until != again.State.StartedAt {
		t.Errorf("events should be read from creation to the latest start, asked %+v", fake.asks)
	}
	if len(fake.stops) != 1 {
		t.Errorf("the container should be stopped once, stops: %+v", fake.stops)
	}
}

func TestLastExitReadsTheLastRunsExit(t *testing.T) {
	start, oom := containerEvent(events.ActionStart, nil), containerEvent(events.ActionOOM, nil)
	die := func(code string) events.Message {
		return containerEvent(events.ActionDie, map[string]string{"exitCode": code})
	}
	cases := []struct {
		name     string
		log      []events.Message
		wantCode int
		wantOOM  bool
		found    bool
	}{
		{"OOM notice before the exit", []events.Message{start, oom, die("137"), start}, 137, true, true},
		{"OOM notice after the exit", []events.Message{start, die("137"), oom, start}, 137, true, true},
		{"an earlier run's OOM does not count", []events.Message{start, oom, die("137"), start, die("3"), start}, 3, false, true},
		{"no exit in the log", []events.Message{start}, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info := inspected(state("running"), 1, "")
			info.Created, info.State.StartedAt = "2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z"
			e := &Engine{cli: &fakeEvents{fakeDocker: &fakeDocker{inspects: []container.InspectResponse{info}}, log: c.log}}
			code, oomKilled, found := e.lastExit(context.Background(), "c0ffee")
			if code != c.wantCode || oomKilled != c.wantOOM || found != c.found {
				t.Errorf("lastExit = %d, %t, %t; want %d, %t, %t", code, oomKilled, found, c.wantCode, c.wantOOM, c.found)
			}
		})
	}
}

// On a remote engine the agent's loopback port is out of reach: readiness is
// a container that keeps running without restarts for remoteSettle.
func TestWaitReadyOnRemoteEngineSettles(t *testing.T) {
	info := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: "abc", Name: "/ws-abc", State: &container.State{Status: "running", Running: true}},
		Config:            &container.Config{Labels: workspace.OwnershipLabels("abc", workspace.RoleContainer)},
	}
	fake := &fakeDocker{inspects: []container.InspectResponse{info}}
	e := &Engine{cli: fake, host: "tcp://10.0.0.9:2376", local: false}
	start := time.Now()
	if err := e.WaitReady(context.Background(), workspace.WorkspaceSpec{WorkspaceID: "abc", ReadyTimeout: 10 * time.Second}, "abc", 0, nil); err != nil {
		t.Fatalf("remote workspace that keeps running should be ready: %v", err)
	}
	if waited := time.Since(start); waited < remoteSettle {
		t.Fatalf("ready after %s, before the %s settle window", waited, remoteSettle)
	}
}

func TestIsLocalHost(t *testing.T) {
	for _, c := range []struct {
		scheme, host string
		want         bool
	}{
		{"unix", "", true}, {"tcp", "127.0.0.1", true}, {"tcp", "localhost", true}, {"ssh", "::1", true},
		{"tcp", "10.1.2.3", false}, {"ssh", "build-host.example", false},
	} {
		if got := isLocalHost(c.scheme, c.host); got != c.want {
			t.Errorf("isLocalHost(%s, %s) = %t, want %t", c.scheme, c.host, got, c.want)
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func envOf(m map[string]string) lookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestParseYAMLSubset(t *testing.T) {
	in := "\ufeff# a comment\n" +
		"---\n" +
		"name: my-agent\n" +
		"description: \"An agent: quoted, with \\\"escapes\\\"\"\n" +
		"version: '1.2.3'\n" +
		"runtime: langgraph   # trailing comment\n" +
		"model: anthropic:claude-sonnet-4\n" +
		"tier: 2\n" +
		"negative: -7\n" +
		"enabled: true\n" +
		"disabled: False\n" +
		"empty:\n" +
		"tilde: ~\n" +
		"quoted_int: \"42\"\n" +
		"single: 'it''s'\n" +
		"url: http://example.invalid:8000/x#frag\n" +
		"skills:\n" +
		"  - name: nested\n" +
		"    description: ignored\n" +
		"nested:\n" +
		"  inner: ignored\n" +
		"- top-level-list-item\n" +
		"flow: [a, b]\n" +
		"block: |\n" +
		"  text\n" +
		"\"quoted key\": value\n" +
		"not a pair\n" +
		"nospace:value\n" +
		"crlf: yes\r\n" +
		"name: last-wins\n"
	got := parseYAMLSubset([]byte(in))
	want := yamlMap{
		"name":        "last-wins",
		"description": `An agent: quoted, with "escapes"`,
		"version":     "1.2.3",
		"runtime":     "langgraph",
		"model":       "anthropic:claude-sonnet-4",
		"tier":        int64(2),
		"negative":    int64(-7),
		"enabled":     true,
		"disabled":    false,
		"empty":       nil,
		"tilde":       nil,
		"quoted_int":  "42",
		"single":      "it's",
		"url":         "http://example.invalid:8000/x#frag",
		"skills":      nil,
		"nested":      nil,
		"quoted key":  "value",
		"crlf":        "yes",
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if gv, ok := got[k]; !ok || !reflect.DeepEqual(gv, v) {
				t.Errorf("key %q: got %#v (present=%v), want %#v", k, gv, ok, v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %q = %#v", k, v)
			}
		}
	}
}

func TestYAMLMapAccessors(t *testing.T) {
	m := parseYAMLSubset([]byte("a: 5\nb: \"7\"\nc: x\nd: true\n"))
	if n, ok := m.int("a"); !ok || n != 5 {
		t.Errorf("int(a) = %d, %v", n, ok)
	}
	if n, ok := m.int("b"); !ok || n != 7 {
		t.Errorf("int(b) = %d, %v", n, ok)
	}
	if _, ok := m.int("c"); ok {
		t.Errorf("int(c) should fail")
	}
	if _, ok := m.int("missing"); ok {
		t.Errorf("int(missing) should fail")
	}
	if s := m.str("d"); s != "true" {
		t.Errorf("str(d) = %q", s)
	}
	if s := m.str("missing"); s != "" {
		t.Errorf("str(missing) = %q", s)
	}
}

func newTestServer(cfg string, env map[string]string) *server {
	return &server{
		cfg:      parseYAMLSubset([]byte(cfg)),
		env:      envOf(env),
		hostname: "ws-host",
		port:     "8000",
	}
}

func do(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAgentCard(t *testing.T) {
	s := newTestServer("name: alpha\ndescription: first agent\nversion: 1.0.0\nruntime: crewai\nmodel: m1\ntier: 3\n",
		map[string]string{"WORKSPACE_ID": "ws-123", "TIER": "2"})
	for _, path := range []string{"/.well-known/agent-card.json", "/.well-known/agent.json"} {
		rec := do(t, s.routes(), http.MethodGet, path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		var card map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &card); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"name":         "alpha",
			"description":  "first agent",
			"version":      "1.0.0",
			"url":          "http://ws-host:8000",
			"capabilities": map[string]any{},
			"skills":       []any{},
			"workspace_id": "ws-123",
			"runtime":      "crewai",
			"model":        "m1",
			"tier":         float64(2), // env wins over config
		}
		if !reflect.DeepEqual(card, want) {
			t.Errorf("%s: card = %#v\nwant %#v", path, card, want)
		}
	}
}

func TestAgentCardDefaults(t *testing.T) {
	s := newTestServer("", map[string]string{"RUNTIME": "hermes"})
	var card map[string]any
	if err := json.Unmarshal(do(t, s.routes(), http.MethodGet, "/.well-known/agent-card.json", "").Body.Bytes(), &card); err != nil {
		t.Fatal(err)
	}
	if card["name"] != defaultName || card["version"] != defaultVersion || card["runtime"] != "hermes" ||
		card["tier"] != nil || card["workspace_id"] != "" {
		t.Errorf("card = %#v", card)
	}

	s = newTestServer("tier: 1\n", map[string]string{"TIER": ""})
	if got := s.tier(); got != 1 {
		t.Errorf("tier from config = %#v", got)
	}
	s = newTestServer("", map[string]string{"TIER": "gold"})
	if got := s.tier(); got != "gold" {
		t.Errorf("non-numeric tier = %#v", got)
	}
}

func TestRPCMessageSend(t *testing.T) {
	s := newTestServer("name: a\n", map[string]string{"WORKSPACE_ID": "ws-9"})
	body := `{"jsonrpc":"2.0","id":"req-1","method":"message/send","params":{"message":{"role":"user","messageId":"m1","contextId":"ctx-1","parts":[{"kind":"text","text":"hello"},{"kind":"data","data":{}},{"type":"text","text":"world"}]}}}`
	rec := do(t, s.routes(), http.MethodPost, "/", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Result  struct {
			Kind      string `json:"kind"`
			Role      string `json:"role"`
			MessageID string `json:"messageId"`
			ContextID string `json:"contextId"`
			Parts     []struct {
				Kind string `json:"kind"`
				Text string `json:"text"`
			} `json:"parts"`
			Metadata map[string]any `json:"metadata"`
		} `json:"result"`
		Error any `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.JSONRPC != "2.0" || resp.ID != "req-1" || resp.Error != nil {
		t.Errorf("envelope = %+v", resp)
	}
	r := resp.Result
	if r.Kind != "message" || r.Role != "agent" || r.MessageID == "" || r.ContextID != "ctx-1" {
		t.Errorf("result = %+v", r)
	}
	if len(r.Parts) != 1 || r.Parts[0].Kind != "text" || r.Parts[0].Text != "standin echo: hello world" {
		t.Errorf("parts = %+v", r.Parts)
	}
	if r.Metadata["method"] != "message/send" || r.Metadata["workspace_id"] != "ws-9" {
		t.Errorf("metadata = %+v", r.Metadata)
	}
}

func TestRPCOtherMethodAndErrors(t *testing.T) {
	s := newTestServer("", nil)
	h := s.routes()

	rec := do(t, h, http.MethodPost, "/", `{"jsonrpc":"2.0","id":7,"method":"tasks/get","params":{"id":"t1"}}`)
	var resp map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	res, _ := resp["result"].(map[string]any)
	if resp["id"] != float64(7) || res["method"] != "tasks/get" ||
		!reflect.DeepEqual(res["params"], map[string]any{"id": "t1"}) {
		t.Errorf("resp = %#v", resp)
	}

	for _, tc := range []struct {
		body string
		code float64
	}{
		{`not json`, -32700},
		{`{"jsonrpc":"2.0","id":1}`, -32600},
	} {
		rec := do(t, h, http.MethodPost, "/", tc.body)
		var resp struct {
			Error struct {
				Code float64 `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || resp.Error.Code != tc.code {
			t.Errorf("%q: status %d, error code %v", tc.body, rec.Code, resp.Error.Code)
		}
	}

	if rec := do(t, h, http.MethodGet, "/", ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET / status %d", rec.Code)
	}
	if rec := do(t, h, http.MethodPost, "/other", "{}"); rec.Code != http.StatusNotFound {
		t.Errorf("POST /other status %d", rec.Code)
	}
}

func TestHealthzEnvFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.txt")
	if err := os.WriteFile(file, []byte("file\x00bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newTestServer("", map[string]string{"FOO": "bar baz", "EMPTY": ""})
	h := s.routes()

	if rec := do(t, h, http.MethodGet, "/healthz", ""); rec.Code != 200 || rec.Body.String() != "ok" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/env?key=FOO", ""); rec.Code != 200 || rec.Body.String() != "bar baz" {
		t.Errorf("env FOO: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/env?key=EMPTY", ""); rec.Code != 200 || rec.Body.String() != "" {
		t.Errorf("env EMPTY: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/env?key=NOPE", ""); rec.Code != http.StatusNotFound {
		t.Errorf("env NOPE: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/env", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("env without key: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/files?path="+file, ""); rec.Code != 200 || rec.Body.String() != "file\x00bytes" {
		t.Errorf("files: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/files?path="+filepath.Join(dir, "missing"), ""); rec.Code != http.StatusNotFound {
		t.Errorf("files missing: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/files?path="+dir, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("files dir: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/files", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("files without path: %d", rec.Code)
	}
	written := filepath.Join(dir, "written")
	if rec := do(t, h, http.MethodPut, "/files?path="+written, "new bytes"); rec.Code != http.StatusNoContent {
		t.Errorf("put file: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, "/files?path="+written, ""); rec.Code != 200 || rec.Body.String() != "new bytes" ||
		rec.Header().Get("X-File-Mode") != "0644" {
		t.Errorf("file written: %d %q mode %q", rec.Code, rec.Body, rec.Header().Get("X-File-Mode"))
	}
	if rec := do(t, h, http.MethodPut, "/files?path="+filepath.Join(dir, "no", "such", "dir"), "x"); rec.Code != http.StatusForbidden {
		t.Errorf("put into a missing directory: %d", rec.Code)
	}
}

func TestRunMissingConfig(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), envOf(map[string]string{"WORKSPACE_CONFIG_PATH": dir}), &stdout, &stderr, nil)
	if code != 1 {
		t.Errorf("exit code %d", code)
	}
	want := "FileNotFoundError: Config file not found: " + filepath.Join(dir, "config.yaml") + "\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunCrashHook(t *testing.T) {
	dir := writeConfig(t, "name: c\nstandin_crash_exit: 3\n")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), envOf(map[string]string{"WORKSPACE_CONFIG_PATH": dir}), &stdout, &stderr, nil); code != 3 {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(stderr.String(), "standin: crashing on purpose with code 3") {
		t.Errorf("stderr = %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "loaded config.yaml name=c") {
		t.Errorf("stdout = %q", stdout.String())
	}

	// The environment wins over config.yaml.
	stdout.Reset()
	stderr.Reset()
	env := envOf(map[string]string{"WORKSPACE_CONFIG_PATH": dir, "STANDIN_CRASH_EXIT": "42"})
	if code := run(context.Background(), env, &stdout, &stderr, nil); code != 42 {
		t.Errorf("exit code with env %d", code)
	}
}

func TestRunDelayInterruptedBySignal(t *testing.T) {
	dir := writeConfig(t, "name: d\n")
	ctx, cancel := context.WithCancel(context.Background())
	env := envOf(map[string]string{"WORKSPACE_CONFIG_PATH": dir, "STANDIN_STARTUP_DELAY_MS": "60000", "PORT": "0"})
	var stdout, stderr bytes.Buffer
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	if code := run(ctx, env, &stdout, &stderr, nil); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// lockedBuffer lets the test read what run writes from another goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	dir := writeConfig(t, "name: served\nversion: 2.0.0\nstandin_alloc_mb: 2\nstandin_alloc_delay_ms: 5\nstandin_startup_delay_ms: 10\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := envOf(map[string]string{
		"WORKSPACE_CONFIG_PATH": dir, "WORKSPACE_ID": "ws-run", "TIER": "1", "PORT": "0",
	})
	var stdout, stderr lockedBuffer
	addrc := make(chan net.Addr, 1)
	done := make(chan int, 1)
	go func() { done <- run(ctx, env, &stdout, &stderr, func(a net.Addr) { addrc <- a }) }()

	var addr net.Addr
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("run exited early with %d: %s %s", code, stdout.String(), stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	port := addr.(*net.TCPAddr).Port

	resp, err := http.Get("http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/.well-known/agent-card.json")
	if err != nil {
		t.Fatal(err)
	}
	var card map[string]any
	err = json.NewDecoder(resp.Body).Decode(&card)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if card["name"] != "served" || card["version"] != "2.0.0" || card["workspace_id"] != "ws-run" ||
		card["tier"] != float64(1) || !strings.HasSuffix(card["url"].(string), ":"+strconv.Itoa(port)) {
		t.Errorf("card = %#v", card)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown after cancel")
	}
	out := stdout.String()
	for _, want := range []string{
		"standin: workspace ws-run tier 1 starting",
		"standin: loaded config.yaml name=served",
		"standin: waiting 5 ms before allocating\nstandin: allocating 2 MiB",
		"standin: allocated 2 MiB",
		"standin: delaying start-up by 10 ms",
		"standin: listening on :",
		"standin: stopped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

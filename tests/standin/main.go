// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command standin is a tiny stand-in for the Molecule AI workspace runtime,
// used only by this provider's acceptance tests. It is built as a static
// binary (CGO_ENABLED=0) and shipped in a FROM scratch image, so it depends on
// nothing but the Go standard library.
//
// Contract (what the tests rely on):
//
//   - Reads $WORKSPACE_CONFIG_PATH/config.yaml (default /configs/config.yaml).
//     When the file is missing it prints
//     "FileNotFoundError: Config file not found: <path>" to stderr and exits 1,
//     like the real runtime.
//   - Understands a tiny subset of YAML: top-level "key: value" lines holding a
//     string, an int or a bool. Everything else is ignored.
//   - Test hooks, from config.yaml or the environment (the environment wins):
//     standin_crash_exit / STANDIN_CRASH_EXIT: exit with that code right after
//     start-up logging; standin_startup_delay_ms / STANDIN_STARTUP_DELAY_MS:
//     sleep before listening; standin_alloc_mb / STANDIN_ALLOC_MB: allocate and
//     touch that many MiB (to provoke the OOM killer under a memory limit);
//     standin_alloc_delay_ms / STANDIN_ALLOC_DELAY_MS: wait that long first
//     (an agent that runs a while before it grows, as real ones do).
//   - Serves HTTP on :8000 ($PORT overrides):
//     GET  /.well-known/agent-card.json  A2A-style agent card (JSON)
//     POST /                             JSON-RPC; echoes the method, and for
//     message/send answers "standin echo: <text>"
//     GET  /healthz                      200 "ok"
//     GET  /env?key=NAME                 the value of env NAME (404 if unset)
//     GET  /files?path=/configs/x        the file's bytes (404 if missing),
//     its permission bits in the X-File-Mode header
//     PUT  /files?path=/configs/x        write the body there (403 if refused)
//   - SIGTERM/SIGINT: graceful shutdown, exit 0 within about a second.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	defaultConfigDir = "/configs"
	defaultPort      = "8000"
	configFileName   = "config.yaml"
	defaultName      = "standin"
	defaultVersion   = "0.0.0"
	shutdownTimeout  = 2 * time.Second
	maxRPCBodyBytes  = 1 << 20
)

// memSink keeps the memory allocated by the standin_alloc_mb hook reachable
// so that the garbage collector cannot give it back.
var memSink [][]byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	code := run(ctx, os.LookupEnv, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// lookupFunc is os.LookupEnv's signature; tests pass a map-backed one.
type lookupFunc func(string) (string, bool)

func (l lookupFunc) get(key string) string {
	v, _ := l(key)
	return v
}

// run is the whole program. It returns the process exit code. ready, when not
// nil, is called with the listener's address once the server accepts
// connections (used by tests that listen on port 0).
func run(ctx context.Context, env lookupFunc, stdout, stderr io.Writer, ready func(net.Addr)) int {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stdout, "standin: "+format+"\n", args...)
	}

	workspaceID := env.get("WORKSPACE_ID")
	logf("workspace %s tier %s starting", workspaceID, env.get("TIER"))

	configDir := env.get("WORKSPACE_CONFIG_PATH")
	if configDir == "" {
		configDir = defaultConfigDir
	}
	configPath := filepath.Join(configDir, configFileName)
	data, err := os.ReadFile(configPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "FileNotFoundError: Config file not found: %s\n", configPath)
		} else {
			fmt.Fprintf(stderr, "standin: cannot read %s: %v\n", configPath, err)
		}
		return 1
	}
	cfg := parseYAMLSubset(data)
	logf("loaded %s name=%s runtime=%s model=%s", configFileName,
		cfg.str("name"), cfg.str("runtime"), cfg.str("model"))

	hook := func(key, envKey string) (int, bool) {
		if raw, ok := env(envKey); ok && strings.TrimSpace(raw) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(raw))
			if err != nil {
				logf("ignoring %s=%q: not an integer", envKey, raw)
				return 0, false
			}
			return n, true
		}
		return cfg.int(key)
	}

	if code, ok := hook("standin_crash_exit", "STANDIN_CRASH_EXIT"); ok {
		logf("test hook standin_crash_exit=%d", code)
		fmt.Fprintf(stderr, "standin: crashing on purpose with code %d\n", code)
		return code & 0xff
	}

	if mb, ok := hook("standin_alloc_mb", "STANDIN_ALLOC_MB"); ok && mb > 0 {
		if ms, ok := hook("standin_alloc_delay_ms", "STANDIN_ALLOC_DELAY_MS"); ok && ms > 0 {
			logf("waiting %d ms before allocating", ms)
			if !sleepCtx(ctx, time.Duration(ms)*time.Millisecond) {
				logf("signal received before allocating, exiting")
				return 0
			}
		}
		logf("allocating %d MiB", mb)
		for i := 0; i < mb; i++ {
			chunk := make([]byte, 1<<20)
			for j := 0; j < len(chunk); j += 4096 {
				chunk[j] = 1
			}
			memSink = append(memSink, chunk)
		}
		logf("allocated %d MiB", mb)
	}

	if ms, ok := hook("standin_startup_delay_ms", "STANDIN_STARTUP_DELAY_MS"); ok && ms > 0 {
		logf("delaying start-up by %d ms", ms)
		if !sleepCtx(ctx, time.Duration(ms)*time.Millisecond) {
			logf("signal received during start-up delay, exiting")
			return 0
		}
	}

	port := env.get("PORT")
	if port == "" {
		port = defaultPort
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", port))
	if err != nil {
		fmt.Fprintf(stderr, "standin: listen on :%s: %v\n", port, err)
		return 1
	}
	hostname, _ := os.Hostname()
	if hostname == "" {
		hostname = "localhost"
	}
	if _, p, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		port = p
	}

	s := &server{cfg: cfg, env: env, hostname: hostname, port: port}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logf("listening on :%s", port)
	if ready != nil {
		ready(ln.Addr())
	}

	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "standin: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	logf("signal received, shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	logf("stopped")
	return 0
}

// yamlMap is the result of parseYAMLSubset: values are string, int64, bool or
// nil (for an empty value, "~" or "null").
type yamlMap map[string]any

func (m yamlMap) str(key string) string {
	switch v := m[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (m yamlMap) int(key string) (int, bool) {
	switch v := m[key].(type) {
	case int64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

// parseYAMLSubset reads top-level "key: value" lines. Indented lines, list
// items, comments, document markers and anything it cannot read are ignored.
// Quoted values stay strings; unquoted ones become int64, bool or nil when
// they look like one. A later duplicate key wins.
func parseYAMLSubset(data []byte) yamlMap {
	out := yamlMap{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		line = strings.TrimRight(line, " \t\r")
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		if line == "---" || line == "..." {
			continue
		}
		key, rest, ok := splitKey(line)
		if !ok {
			continue
		}
		val, ok := parseScalar(rest)
		if !ok {
			continue
		}
		out[key] = val
	}
	return out
}

// splitKey splits `key: rest` (the key may be quoted).
func splitKey(line string) (key, rest string, ok bool) {
	if line[0] == '"' || line[0] == '\'' {
		q := line[0]
		end := strings.IndexByte(line[1:], q)
		if end < 0 {
			return "", "", false
		}
		key = line[1 : 1+end]
		rest = line[2+end:]
		if !strings.HasPrefix(rest, ":") {
			return "", "", false
		}
		rest = rest[1:]
	} else {
		i := strings.Index(line, ": ")
		switch {
		case i >= 0:
		case strings.HasSuffix(line, ":"):
			i = len(line) - 1
		default:
			return "", "", false
		}
		key = strings.TrimSpace(line[:i])
		rest = line[i+1:]
	}
	if key == "" || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", "", false
	}
	return key, strings.TrimSpace(rest), true
}

// parseScalar reads a value; ok is false for flow collections, block scalar
// indicators and anchors/aliases/tags, which the subset does not support.
func parseScalar(s string) (any, bool) {
	if s == "" {
		return nil, true
	}
	switch s[0] {
	case '"':
		end := closingDoubleQuote(s)
		if end < 0 {
			return nil, false
		}
		v, err := strconv.Unquote(s[:end+1])
		if err != nil {
			v = s[1:end]
		}
		return v, true
	case '\'':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return b.String(), true
			}
			b.WriteByte(s[i])
		}
		return nil, false
	case '[', '{', '|', '>', '&', '*', '!':
		return nil, false
	case '#':
		return nil, true
	}
	// Plain scalar: strip a trailing " # comment".
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if i := strings.Index(s, "\t#"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	switch s {
	case "~", "null", "Null", "NULL":
		return nil, true
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
		return n, true
	}
	return s, true
}

func closingDoubleQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

type server struct {
	cfg      yamlMap
	env      lookupFunc
	hostname string
	port     string
	msgSeq   atomic.Int64
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/agent-card.json", s.handleAgentCard)
	mux.HandleFunc("GET /.well-known/agent.json", s.handleAgentCard)
	mux.HandleFunc("POST /{$}", s.handleRPC)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /env", s.handleEnv)
	mux.HandleFunc("GET /files", s.handleFiles)
	mux.HandleFunc("PUT /files", handlePutFile)
	return mux
}

// agentCard builds the card from config.yaml and the environment.
func (s *server) agentCard() map[string]any {
	name := s.cfg.str("name")
	if name == "" {
		name = defaultName
	}
	version := s.cfg.str("version")
	if version == "" {
		version = defaultVersion
	}
	runtime := s.cfg.str("runtime")
	if runtime == "" {
		runtime = s.env.get("RUNTIME")
	}
	return map[string]any{
		"name":         name,
		"description":  s.cfg.str("description"),
		"version":      version,
		"url":          "http://" + net.JoinHostPort(s.hostname, s.port),
		"capabilities": map[string]any{},
		"skills":       []any{},
		"workspace_id": s.env.get("WORKSPACE_ID"),
		"runtime":      runtime,
		"model":        s.cfg.str("model"),
		"tier":         s.tier(),
	}
}

// tier is $TIER (a number when it is one), else config.yaml's tier, else nil.
func (s *server) tier() any {
	if raw, ok := s.env("TIER"); ok && raw != "" {
		if n, err := strconv.Atoi(raw); err == nil {
			return n
		}
		return raw
	}
	switch v := s.cfg["tier"].(type) {
	case int64:
		return int(v)
	case nil:
		return nil
	default:
		return v
	}
}

func (s *server) handleAgentCard(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.agentCard())
}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (s *server) handleRPC(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRPCBodyBytes))
	if err != nil {
		writeRPCError(w, nil, -32700, "cannot read body: "+err.Error())
		return
	}
	var req rpcRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeRPCError(w, nil, -32700, "parse error: "+err.Error())
		return
	}
	if req.Method == "" {
		writeRPCError(w, req.ID, -32600, "invalid request: missing method")
		return
	}
	var result any
	switch req.Method {
	case "message/send", "message/stream", "tasks/send":
		result = s.echoMessage(req)
	default:
		var params any
		if len(req.Params) > 0 {
			_ = json.Unmarshal(req.Params, &params)
		}
		result = map[string]any{
			"method":       req.Method,
			"params":       params,
			"workspace_id": s.env.get("WORKSPACE_ID"),
		}
	}
	id := req.ID
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	writeJSON(w, http.StatusOK, map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
}

// echoMessage answers message/send with an agent message whose text is
// "standin echo: " followed by the text parts of the request.
func (s *server) echoMessage(req rpcRequest) map[string]any {
	var p struct {
		Message struct {
			ContextID string `json:"contextId"`
			TaskID    string `json:"taskId"`
			Parts     []struct {
				Kind string `json:"kind"`
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"parts"`
		} `json:"message"`
	}
	_ = json.Unmarshal(req.Params, &p)
	var texts []string
	for _, part := range p.Message.Parts {
		kind := part.Kind
		if kind == "" {
			kind = part.Type
		}
		if kind == "text" || (kind == "" && part.Text != "") {
			texts = append(texts, part.Text)
		}
	}
	msg := map[string]any{
		"kind":      "message",
		"role":      "agent",
		"messageId": fmt.Sprintf("standin-%d", s.msgSeq.Add(1)),
		"parts": []any{map[string]any{
			"kind": "text",
			"text": "standin echo: " + strings.Join(texts, " "),
		}},
		"metadata": map[string]any{
			"method":       req.Method,
			"workspace_id": s.env.get("WORKSPACE_ID"),
		},
	}
	if p.Message.ContextID != "" {
		msg["contextId"] = p.Message.ContextID
	}
	if p.Message.TaskID != "" {
		msg["taskId"] = p.Message.TaskID
	}
	return msg
}

func (s *server) handleEnv(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	if key == "" {
		http.Error(w, "missing ?key=", http.StatusBadRequest)
		return
	}
	v, ok := s.env(key)
	if !ok {
		http.Error(w, "not set: "+key, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, v)
}

func (s *server) handleFiles(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("path")
	if p == "" {
		http.Error(w, "missing ?path=", http.StatusBadRequest)
		return
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.Error(w, "not found: "+p, http.StatusNotFound)
			return
		}
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if st.IsDir() {
		http.Error(w, "is a directory: "+p, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set("X-File-Mode", fmt.Sprintf("%04o", st.Mode().Perm()))
	io.Copy(w, f)
}

// handlePutFile writes the request body to ?path= (mode 0644): how tests see
// that a directory such as /configs is writable for the runtime.
func handlePutFile(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("path")
	if p == "" {
		http.Error(w, "missing ?path=", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRPCBodyBytes))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := os.WriteFile(p, body, 0o644); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeRPCError(w http.ResponseWriter, id json.RawMessage, code int, msg string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"jsonrpc": "2.0",
		"id":      id,
		"error":   rpcError{Code: code, Message: msg},
	})
}

// sleepCtx waits d, or less if ctx ends first; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package platformstandin is a stand-in for the Molecule platform's
// workspace server, for tests: the HTTP contract of platform-api.md (admin
// and workspace tokens, status codes and error bodies, server-chosen UUIDs,
// external creation with a once-only token, GET without auth, registration
// with its URL check, heartbeats, DELETE) and the sweeps that act on
// containers. Tests start it in-process on 127.0.0.1.
//
// The sweeps only ever look at the containers named after records this
// server holds (ws-<first 12 characters of the id>), so a stand-in started by
// one test never disturbs another test's containers. Unlike the real
// platform it never provisions containers of its own: where the platform
// would "auto-restart" a workspace it only force-removes the container.
package platformstandin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// Options configure a stand-in.
type Options struct {
	AdminToken string
	// Docker, when set, is the engine the sweeps act on; nil: no sweeps.
	Docker *client.Client
	// SweepEvery is the health sweep's period (default 1 s; the platform's
	// is 15 s, acting within about a second of seeing a stopped container).
	SweepEvery time.Duration
	// ExternalOfflineAfter marks an external workspace offline without
	// heartbeats (default 90 s, as the platform).
	ExternalOfflineAfter time.Duration
	// SaaS skips the registration URL check (MOLECULE_DEPLOY_MODE=saas).
	SaaS bool
	// Addr to listen on (default 127.0.0.1:0).
	Addr string
	// StoreRuntimeAs, when set, is the runtime every create stores whatever
	// it was asked: a platform that gets the record wrong, for clients that
	// must read back and correct.
	StoreRuntimeAs string
}

// Record is the stand-in's row for one workspace.
type Record struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Role               string   `json:"role"`
	Tier               int      `json:"tier"`
	Runtime            string   `json:"runtime"`
	Status             string   `json:"status"`
	URL                string   `json:"url"`
	ParentID           *string  `json:"parent_id"`
	BudgetLimit        *float64 `json:"budget_limit,omitempty"`
	MaxConcurrentTasks *int64   `json:"max_concurrent_tasks,omitempty"`
	External           bool     `json:"external"`

	token         string
	lastHeartbeat time.Time
}

// Server is a running stand-in.
type Server struct {
	opts     Options
	listener net.Listener
	http     *http.Server
	stop     chan struct{}
	stopOnce sync.Once
	done     sync.WaitGroup

	mu      sync.Mutex
	records map[string]*Record
	gets    int      // GET /workspaces/{id} requests served
	removed []string // container names the sweeps removed, in order
}

// Start listens and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.SweepEvery == 0 {
		opts.SweepEvery = time.Second
	}
	if opts.ExternalOfflineAfter == 0 {
		opts.ExternalOfflineAfter = 90 * time.Second
	}
	l, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, listener: l, stop: make(chan struct{}), records: map[string]*Record{}}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	s.done.Add(1)
	go func() { defer s.done.Done(); _ = s.http.Serve(l) }()
	if opts.Docker != nil {
		s.done.Add(1)
		go func() { defer s.done.Done(); s.sweepLoop() }()
	}
	return s, nil
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.listener.Addr().String() }

// Close stops serving and sweeping; calling it again does nothing.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		close(s.stop)
		_ = s.http.Close()
		s.done.Wait()
	})
}

// Record returns a copy of a row (ok false when unknown).
func (s *Server) Record(id string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return Record{}, false
	}
	return *r, true
}

// Gets counts the GET /workspaces/{id} requests served so far.
func (s *Server) Gets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets
}

// Update changes a row as the platform's UI or API would (nil fields stay).
func (s *Server) Update(id string, name, role, runtime *string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[id]; ok {
		if name != nil {
			r.Name = *name
		}
		if role != nil {
			r.Role = *role
		}
		if runtime != nil {
			r.Runtime = *runtime
			r.External = *runtime == "external"
		}
	}
}

// WorkspaceToken returns a workspace's current token ("" when none).
func (s *Server) WorkspaceToken(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[id]; ok {
		return r.token
	}
	return ""
}

// NewUUID returns a random UUID, as the platform chooses ids.
func NewUUID() string { return newUUID() }

// Removed lists the container names the sweeps force-removed.
func (s *Server) Removed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.removed...)
}

// SetStatus changes a row's status, as the platform's own sweeps would.
func (s *Server) SetStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[id]; ok {
		r.Status = status
	}
}

// AddPlatformWorkspace makes a row the platform considers its own (runtime
// langgraph, with a token), as if the platform were provisioning it, and
// returns its id. It is provisioning until its runtime registers (or
// SetStatus makes it online): only then do the sweeps look at its container.
func (s *Server) AddPlatformWorkspace(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newUUID()
	s.records[id] = &Record{ID: id, Name: name, Tier: 3, Runtime: "langgraph", Status: "provisioning", token: newToken()}
	return id
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ContainerName is the platform's container name for a workspace id.
func ContainerName(id string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	return "ws-" + id
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /workspaces", s.adminOnly(s.list))
	mux.HandleFunc("POST /workspaces", s.adminOnly(s.create))
	mux.HandleFunc("GET /workspaces/{id}", s.withUUID(s.get))
	mux.HandleFunc("PATCH /workspaces/{id}", s.withUUID(s.patch))
	mux.HandleFunc("DELETE /workspaces/{id}", s.withUUID(s.adminOnly(s.delete)))
	mux.HandleFunc("POST /registry/register", s.register)
	mux.HandleFunc("POST /registry/heartbeat", s.heartbeat)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch tok := bearer(r); {
		case tok == "":
			writeError(w, http.StatusUnauthorized, "admin auth required")
		case tok != s.opts.AdminToken:
			writeError(w, http.StatusUnauthorized, "invalid admin auth token")
		default:
			h(w, r)
		}
	}
}

func (s *Server) withUUID(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !uuidPattern.MatchString(r.PathValue("id")) {
			writeError(w, http.StatusBadRequest, "invalid workspace id")
			return
		}
		h(w, r)
	}
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Record{}
	for _, rec := range s.records {
		out = append(out, *rec)
	}
	writeJSON(w, http.StatusOK, out)
}

type createBody struct {
	Name               string   `json:"name"`
	Role               string   `json:"role"`
	Tier               int      `json:"tier"`
	Runtime            string   `json:"runtime"`
	External           bool     `json:"external"`
	URL                string   `json:"url"`
	ParentID           *string  `json:"parent_id"`
	BudgetLimit        *float64 `json:"budget_limit"`
	MaxConcurrentTasks *int64   `json:"max_concurrent_tasks"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Name == "" {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	rec := &Record{ID: newUUID(), Name: b.Name, Role: b.Role, Tier: b.Tier, ParentID: b.ParentID,
		BudgetLimit: b.BudgetLimit, MaxConcurrentTasks: b.MaxConcurrentTasks, Runtime: b.Runtime, URL: b.URL}
	if rec.Tier == 0 {
		rec.Tier = 3
	}
	external := b.External || b.Runtime == "external"
	if rec.Runtime == "" || (b.External && b.Runtime != "external") {
		// The platform's quirk: external=true without runtime=external is
		// stored as one of its own Docker workspaces.
		rec.Runtime = "langgraph"
	}
	if s.opts.StoreRuntimeAs != "" {
		rec.Runtime = s.opts.StoreRuntimeAs
	}
	resp := map[string]any{"id": rec.ID}
	switch {
	case external && b.URL != "":
		rec.External, rec.Status = true, "online"
		resp["external"], resp["status"] = true, rec.Status
	case external:
		// Stored as provisioning (the platform's enum lacks awaiting_agent).
		rec.External, rec.Status, rec.token = true, "provisioning", newToken()
		resp["external"], resp["status"] = true, "awaiting_agent"
		resp["connection"] = map[string]any{
			"workspace_id": rec.ID, "platform_url": s.URL(), "auth_token": rec.token,
			"registry_endpoint": s.URL() + "/registry/register", "heartbeat_endpoint": s.URL() + "/registry/heartbeat",
		}
	default:
		rec.Status = "provisioning"
		resp["status"] = rec.Status
	}
	s.mu.Lock()
	s.records[rec.ID] = rec
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.gets++
	s.mu.Unlock()
	rec, ok := s.Record(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "workspace not found")
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.records[id]
	tok := bearer(r)
	switch {
	case tok == "":
		writeError(w, http.StatusUnauthorized, "admin auth required")
		return
	case tok != s.opts.AdminToken && (!ok || rec.token == "" || tok != rec.token):
		writeError(w, http.StatusUnauthorized, "invalid admin auth token")
		return
	case !ok:
		writeError(w, http.StatusNotFound, "workspace not found")
		return
	}
	var b map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	for key, raw := range b {
		var err error
		switch key {
		case "name":
			err = json.Unmarshal(raw, &rec.Name)
		case "role":
			err = json.Unmarshal(raw, &rec.Role)
		case "tier":
			err = json.Unmarshal(raw, &rec.Tier)
		case "runtime":
			err = json.Unmarshal(raw, &rec.Runtime)
			rec.External = rec.Runtime == "external"
		case "parent_id":
			err = json.Unmarshal(raw, &rec.ParentID)
		case "budget_limit":
			err = json.Unmarshal(raw, &rec.BudgetLimit)
		case "max_concurrent_tasks":
			err = json.Unmarshal(raw, &rec.MaxConcurrentTasks)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid request body")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "updated"})
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	rec, ok := s.records[id]
	if ok {
		rec.Status, rec.token = "removed", ""
	}
	s.mu.Unlock()
	if ok && s.opts.Docker != nil {
		// As the platform: its container and volumes go, whoever made them.
		name := ContainerName(id)
		s.forceRemove(r.Context(), name)
		for _, v := range []string{name + "-configs", name + "-claude-sessions"} {
			_ = s.opts.Docker.VolumeRemove(r.Context(), v, true)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cascade_deleted": 0, "status": "removed"})
}

// workspaceAuth applies the registry's token rules to rec (nil: unknown id).
func (s *Server) workspaceAuth(w http.ResponseWriter, r *http.Request, rec *Record) bool {
	if rec == nil || rec.token == "" {
		return true
	}
	switch tok := bearer(r); {
	case tok == "":
		writeError(w, http.StatusUnauthorized, "missing workspace auth token")
	case tok != rec.token:
		writeError(w, http.StatusUnauthorized, "invalid workspace auth token")
	default:
		return true
	}
	return false
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var b struct {
		ID        string          `json:"id"`
		URL       string          `json:"url"`
		AgentCard json.RawMessage `json:"agent_card"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || !uuidPattern.MatchString(b.ID) || !s.urlAllowed(b.URL) {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[b.ID]
	if !s.workspaceAuth(w, r, rec) {
		return
	}
	if rec == nil {
		// An id the platform does not know becomes one of its own workspaces.
		rec = &Record{ID: b.ID, Name: b.ID, Tier: 3, Runtime: "langgraph"}
		s.records[b.ID] = rec
	}
	rec.URL, rec.Status, rec.lastHeartbeat = b.URL, "online", time.Now()
	resp := map[string]string{"status": "registered"}
	if rec.token == "" {
		rec.token = newToken()
		resp["auth_token"] = rec.token
	}
	writeJSON(w, http.StatusOK, resp)
}

// urlAllowed is the platform's check: http://localhost passes; loopback and
// private addresses, literal or resolved, do not (outside SaaS mode).
func (s *Server) urlAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return false
	}
	host := u.Hostname()
	if s.opts.SaaS || host == "localhost" {
		return true
	}
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		ips = nil
		addrs, _ := net.LookupIP(host)
		ips = append(ips, addrs...)
	}
	for _, ip := range ips {
		if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
			return false
		}
	}
	return true
}

func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	var b struct {
		WorkspaceID string `json:"workspace_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[b.WorkspaceID]
	if rec == nil {
		writeError(w, http.StatusNotFound, "workspace not found")
		return
	}
	if !s.workspaceAuth(w, r, rec) {
		return
	}
	rec.lastHeartbeat = time.Now()
	if rec.Status == "offline" || rec.Status == "provisioning" {
		rec.Status = "online"
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) sweepLoop() {
	tick := time.NewTicker(s.opts.SweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.sweep()
		}
	}
}

// sweep is the platform's health and orphan sweeps, limited to the records
// this server holds: a stopped or gone container of an online, non-external
// workspace is force-removed (the platform would then start its own) and the
// workspace marked offline; the container of a removed one is force-removed
// every time.
func (s *Server) sweep() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type target struct {
		id      string
		removed bool
	}
	var targets []target
	s.mu.Lock()
	for id, rec := range s.records {
		switch {
		case rec.Status == "removed":
			targets = append(targets, target{id, true})
		case rec.Runtime == "external":
			if !rec.lastHeartbeat.IsZero() && time.Since(rec.lastHeartbeat) > s.opts.ExternalOfflineAfter && rec.Status == "online" {
				rec.Status = "offline"
			}
		case rec.Status == "online":
			targets = append(targets, target{id, false})
		}
	}
	s.mu.Unlock()
	for _, t := range targets {
		name := ContainerName(t.id)
		info, err := s.opts.Docker.ContainerInspect(ctx, name)
		if err != nil {
			continue // gone, or the engine did not answer: next round
		}
		if t.removed || info.State == nil || !info.State.Running {
			s.SetStatus(t.id, map[bool]string{true: "removed", false: "offline"}[t.removed])
			s.forceRemove(ctx, name)
		}
	}
}

func (s *Server) forceRemove(ctx context.Context, name string) {
	if err := s.opts.Docker.ContainerRemove(ctx, name, container.RemoveOptions{Force: true}); err == nil {
		s.mu.Lock()
		s.removed = append(s.removed, name)
		s.mu.Unlock()
	}
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("platform stand-in at %s", s.URL()) }

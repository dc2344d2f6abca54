// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package platformstandin

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const admin = "admin-secret"

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.AdminToken = admin
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call sends a request and returns the status and the decoded body.
func call(t *testing.T, s *Server, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, out
}

func expect(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantError string) {
	t.Helper()
	if status != wantStatus || (wantError != "" && body["error"] != wantError) {
		t.Errorf("%s: %d %v, want %d error %q", what, status, body, wantStatus, wantError)
	}
}

func TestAdminAuth(t *testing.T) {
	s := startServer(t, Options{})
	status, body := call(t, s, "POST", "/workspaces", "", `{"name":"a","runtime":"external"}`)
	expect(t, "no token", status, body, 401, "admin auth required")
	status, body = call(t, s, "POST", "/workspaces", "wrong", `{"name":"a","runtime":"external"}`)
	expect(t, "wrong token", status, body, 401, "invalid admin auth token")
	status, body = call(t, s, "GET", "/workspaces", "", "")
	expect(t, "list without token", status, body, 401, "admin auth required")

	status, body = call(t, s, "POST", "/workspaces", admin, `{"name":"a","runtime":"external"}`)
	expect(t, "create", status, body, 201, "")
	conn, _ := body["connection"].(map[string]any)
	wsToken, _ := conn["auth_token"].(string)
	if wsToken == "" || body["external"] != true || body["status"] != "awaiting_agent" {
		t.Fatalf("external create answer %v: want external, awaiting_agent and a token", body)
	}
	id := body["id"].(string)
	status, body = call(t, s, "DELETE", "/workspaces/"+id, wsToken, "")
	expect(t, "delete with a workspace token", status, body, 401, "invalid admin auth token")
}

func TestExternalCreateAndGet(t *testing.T) {
	s := startServer(t, Options{})
	_, first := call(t, s, "POST", "/workspaces", admin, `{"name":"a","runtime":"external","tier":0}`)
	_, second := call(t, s, "POST", "/workspaces", admin, `{"name":"b","runtime":"external"}`)
	id := first["id"].(string)
	if !uuidPattern.MatchString(id) || id == second["id"] {
		t.Fatalf("ids %v and %v: want two different UUIDs", id, second["id"])
	}
	status, got := call(t, s, "GET", "/workspaces/"+id, "", "")
	if status != 200 || got["runtime"] != "external" || got["status"] != "provisioning" || got["tier"] != float64(3) {
		t.Errorf("GET without auth: %d %v, want runtime external, status provisioning, tier 3", status, got)
	}
	if _, leaked := got["auth_token"]; leaked {
		t.Error("GET shows the token")
	}
	status, body := call(t, s, "GET", "/workspaces/not-a-uuid", "", "")
	expect(t, "non-UUID", status, body, 400, "")
	status, body = call(t, s, "GET", "/workspaces/"+newUUID(), "", "")
	expect(t, "unknown", status, body, 404, "workspace not found")

	// external=true without runtime=external is the platform's own workspace.
	_, quirk := call(t, s, "POST", "/workspaces", admin, `{"name":"q","external":true}`)
	_, got = call(t, s, "GET", "/workspaces/"+quirk["id"].(string), "", "")
	if got["runtime"] != "langgraph" {
		t.Errorf("external without runtime stored as %v, want langgraph", got["runtime"])
	}

	status, body = call(t, s, "DELETE", "/workspaces/"+id, admin, "")
	if status != 200 || body["status"] != "removed" {
		t.Errorf("DELETE: %d %v", status, body)
	}
	if status, _ := call(t, s, "DELETE", "/workspaces/"+id, admin, ""); status != 200 {
		t.Errorf("second DELETE: %d, want 200", status)
	}
	if status, _ := call(t, s, "DELETE", "/workspaces/"+newUUID(), admin, ""); status != 200 {
		t.Errorf("DELETE of an unknown UUID: %d, want 200", status)
	}
	if _, got = call(t, s, "GET", "/workspaces/"+id, "", ""); got["status"] != "removed" {
		t.Errorf("deleted record reads %v, want status removed", got)
	}
}

func TestRegisterAndHeartbeat(t *testing.T) {
	s := startServer(t, Options{})
	_, created := call(t, s, "POST", "/workspaces", admin, `{"name":"a","runtime":"external"}`)
	id := created["id"].(string)
	token := created["connection"].(map[string]any)["auth_token"].(string)
	reg := `{"id":"` + id + `","url":"http://localhost:18000","agent_card":{}}`

	status, body := call(t, s, "POST", "/registry/register", "", reg)
	expect(t, "register without token", status, body, 401, "missing workspace auth token")
	status, body = call(t, s, "POST", "/registry/register", admin, reg)
	expect(t, "register with the admin token", status, body, 401, "invalid workspace auth token")
	for _, bad := range []string{"http://127.0.0.1:8000", "http://10.1.2.3:8000", "http://192.168.0.5:8000"} {
		status, body = call(t, s, "POST", "/registry/register", token, `{"id":"`+id+`","url":"`+bad+`"}`)
		expect(t, "register "+bad, status, body, 400, "invalid request body")
	}
	status, body = call(t, s, "POST", "/registry/register", token, reg)
	if status != 200 || body["status"] != "registered" || body["auth_token"] != nil {
		t.Errorf("register: %d %v, want registered without a new token", status, body)
	}

	s.SetStatus(id, "failed")
	hb := `{"workspace_id":"` + id + `"}`
	status, body = call(t, s, "POST", "/registry/heartbeat", token, hb)
	expect(t, "heartbeat", status, body, 200, "")
	if rec, _ := s.Record(id); rec.Status != "failed" {
		t.Errorf("heartbeat brought failed to %s; it must not", rec.Status)
	}
	s.SetStatus(id, "offline")
	call(t, s, "POST", "/registry/heartbeat", token, hb)
	if rec, _ := s.Record(id); rec.Status != "online" {
		t.Errorf("heartbeat left offline as %s, want online", rec.Status)
	}

	// An unknown id registers as one of the platform's own, with a token.
	unknown := newUUID()
	status, body = call(t, s, "POST", "/registry/register", "", `{"id":"`+unknown+`","url":"http://localhost:8000"}`)
	if status != 200 || body["auth_token"] == nil {
		t.Fatalf("register of an unknown id: %d %v, want a token", status, body)
	}
	if rec, _ := s.Record(unknown); rec.Runtime != "langgraph" || rec.Name != unknown || rec.Status != "online" {
		t.Errorf("unknown id stored as %+v, want runtime langgraph, name = id, online", rec)
	}
}

func TestSaaSSkipsTheURLCheck(t *testing.T) {
	s := startServer(t, Options{SaaS: true})
	status, body := call(t, s, "POST", "/registry/register", "", `{"id":"`+newUUID()+`","url":"http://10.0.0.7:8000"}`)
	expect(t, "private URL in SaaS mode", status, body, 200, "")
}

func TestPatchAuth(t *testing.T) {
	s := startServer(t, Options{})
	id := s.AddPlatformWorkspace("made-by-the-platform")
	status, body := call(t, s, "PATCH", "/workspaces/"+id, "wrong", `{"runtime":"external"}`)
	expect(t, "PATCH with a wrong token", status, body, 401, "invalid admin auth token")
	status, body = call(t, s, "PATCH", "/workspaces/"+id, admin, `{"runtime":"external","name":"n"}`)
	expect(t, "PATCH", status, body, 200, "")
	if rec, _ := s.Record(id); rec.Runtime != "external" || rec.Name != "n" {
		t.Errorf("after PATCH: %+v", rec)
	}
}

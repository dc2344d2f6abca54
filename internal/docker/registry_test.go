// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Explicit registry_auth wins over the Docker config; the config's auths
// (base64 user:password) serve other registries; helpers missing from PATH
// are skipped.
func TestCredentialsLookup(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths": {"https://r.example:5000": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("fileuser:filepass")) + `"},
	  "ghcr.io": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("u:p")) + `"}},
	  "credsStore": "molecule-no-such-helper"}`
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Credentials{Explicit: []workspace.RegistryCredential{{Address: "ghcr.io", Username: "explicit", Password: "secret"}}, ConfigPath: path}
	ctx := context.Background()
	got, ok, err := c.lookup(ctx, "ghcr.io")
	if err != nil || !ok || got.auth.Username != "explicit" || !strings.Contains(got.source, "the login given to the provider") {
		t.Errorf("ghcr.io: %+v %v %v", got.source, ok, err)
	}
	got, ok, err = c.lookup(ctx, "r.example:5000")
	if err != nil || !ok || got.auth.Username != "fileuser" || got.auth.Password != "filepass" || !strings.Contains(got.source, path) {
		t.Errorf("r.example: %+v %v %v", got.source, ok, err)
	}
	if _, ok, err := c.lookup(ctx, "quay.io"); ok || err != nil {
		t.Errorf("quay.io: %v %v", ok, err)
	}
	if _, ok, err := (Credentials{ConfigPath: filepath.Join(dir, "absent.json")}).lookup(ctx, "ghcr.io"); ok || err != nil {
		t.Errorf("absent config: %v %v", ok, err)
	}
}

// A registry error names the registry, repository and tag and what to do,
// and never the password.
func TestRegistryErrorMessages(t *testing.T) {
	e := &Engine{host: "unix:///var/run/docker.sock"}
	r, _ := workspace.ParseImageRef("127.0.0.1:5443/ns/repo:v1")
	for engineSaid, problem := range map[string]workspace.RegistryProblem{
		"Error response from daemon: unauthorized: authentication required":                      workspace.RegistryAuth,
		"Error response from daemon: manifest unknown: manifest unknown":                         workspace.RegistryNotFound,
		`Get "https://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused`: workspace.RegistryUnreachable,
	} {
		err := e.classifyRegistryError(r, "the login given to the provider for 127.0.0.1:5443", errorString(engineSaid))
		if err.Problem != problem {
			t.Errorf("%q: problem %q, want %q", engineSaid, err.Problem, problem)
		}
		msg := err.Error()
		for _, want := range []string{"registry 127.0.0.1:5443", "repository ns/repo", "tag v1", string(problem)} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// A credential helper on PATH answers for its registry; its token form
// ("<token>" user) becomes an identity token.
func TestCredentialHelper(t *testing.T) {
	bin := t.TempDir()
	helper := "#!/bin/sh\nread server\ncase \"$server\" in\n  r.example:5000) echo '{\"ServerURL\":\"r.example:5000\",\"Username\":\"helperuser\",\"Secret\":\"helpersecret\"}' ;;\n  tok.example) echo '{\"ServerURL\":\"tok.example\",\"Username\":\"<token>\",\"Secret\":\"idtoken\"}' ;;\n  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-moleculetest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(`{"credHelpers": {"tok.example": "moleculetest"}, "credsStore": "moleculetest"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Credentials{ConfigPath: cfg}
	ctx := context.Background()
	got, ok, err := c.lookup(ctx, "r.example:5000")
	if err != nil || !ok || got.auth.Username != "helperuser" || got.auth.Password != "helpersecret" || !strings.Contains(got.source, "docker-credential-moleculetest") {
		t.Errorf("credsStore: %+v %v %v", got.source, ok, err)
	}
	got, ok, err = c.lookup(ctx, "tok.example")
	if err != nil || !ok || got.auth.IdentityToken != "idtoken" || got.auth.Username != "" {
		t.Errorf("credHelpers token: %v %v", ok, err)
	}
	if _, ok, err := c.lookup(ctx, "other.example"); ok || err != nil {
		t.Errorf("unknown registry: %v %v", ok, err)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testDigest = "sha256:688e14c7e0b2b590673e6a405902c2708dff84f7afb65d697e9ca82fcaede24e"

func TestParseImageRef(t *testing.T) {
	cases := []struct {
		in, registry, repo, tag, digest, engine string
	}{
		{"ghcr.io/molecule-ai/workspace-template-langgraph:latest", "ghcr.io", "molecule-ai/workspace-template-langgraph", "latest", "", "ghcr.io/molecule-ai/workspace-template-langgraph:latest"},
		{"molecule-tf-standin:langgraph", "docker.io", "library/molecule-tf-standin", "langgraph", "", "molecule-tf-standin:langgraph"},
		{"127.0.0.1:5443/ns/repo", "127.0.0.1:5443", "ns/repo", "latest", "", "127.0.0.1:5443/ns/repo"},
		{"127.0.0.1:5443/ns/repo@" + testDigest, "127.0.0.1:5443", "ns/repo", "", testDigest, "127.0.0.1:5443/ns/repo@" + testDigest},
		{"127.0.0.1:5443/ns/repo:v1@" + testDigest, "127.0.0.1:5443", "ns/repo", "v1", testDigest, "127.0.0.1:5443/ns/repo@" + testDigest},
	}
	for _, c := range cases {
		r, err := ParseImageRef(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if r.Registry() != c.registry || r.Repository() != c.repo || r.Tag() != c.tag || r.Digest() != c.digest || r.EngineRef() != c.engine {
			t.Errorf("%s: registry %q repo %q tag %q digest %q engine %q", c.in, r.Registry(), r.Repository(), r.Tag(), r.Digest(), r.EngineRef())
		}
		if !SameImageRef(c.in, c.engine) {
			t.Errorf("SameImageRef(%q, %q) = false", c.in, c.engine)
		}
	}
	for _, bad := range []string{"", "Not A Ref", "repo@sha256:short", "repo:tag:tag"} {
		if _, err := ParseImageRef(bad); err == nil {
			t.Errorf("ParseImageRef(%q) accepted it", bad)
		}
	}
}

func TestDigestFromRepoDigests(t *testing.T) {
	r, _ := ParseImageRef("127.0.0.1:5443/ns/repo:latest")
	if got := digestFromRepoDigests(r, []string{"127.0.0.1:5443/other@sha256:aa", "127.0.0.1:5443/ns/repo@" + testDigest}); got != testDigest {
		t.Errorf("got %q", got)
	}
	hub, _ := ParseImageRef("library/busybox:1")
	if got := digestFromRepoDigests(hub, []string{"busybox@" + testDigest}); got != testDigest {
		t.Errorf("docker hub: got %q", got)
	}
	if got := digestFromRepoDigests(r, nil); got != "" {
		t.Errorf("no repo digests: got %q", got)
	}
}

func TestRuntimeImages(t *testing.T) {
	table := RuntimeImages("registry.example.com:5000/mirror/", map[string]string{"langgraph": "my-build:dev", "custom": "c:1"})
	if table["codex"] != "registry.example.com:5000/mirror/workspace-template-codex:latest" || table["langgraph"] != "my-build:dev" || table["custom"] != "c:1" {
		t.Errorf("table = %v", table)
	}
	if len(table) != len(KnownRuntimes())+1 {
		t.Errorf("table has %d entries", len(table))
	}
	if DefaultImage(DefaultImageRegistry, "gemini-cli") != "ghcr.io/molecule-ai/workspace-template-gemini-cli:latest" {
		t.Errorf("default name: %s", DefaultImage(DefaultImageRegistry, "gemini-cli"))
	}
}

func TestNormalizeRegistryHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://index.docker.io/v1/": "docker.io", "GHCR.io": "ghcr.io", "127.0.0.1:5443/": "127.0.0.1:5443", "http://r.example:5000/x": "r.example:5000",
	} {
		if got := NormalizeRegistryHost(in); got != want {
			t.Errorf("NormalizeRegistryHost(%q) = %q, want %q", in, got, want)
		}
	}
}

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
	c := Credentials{Explicit: []RegistryCredential{{Address: "ghcr.io", Username: "explicit", Password: "secret"}}, ConfigPath: path}
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
	r, _ := ParseImageRef("127.0.0.1:5443/ns/repo:v1")
	for engineSaid, problem := range map[string]RegistryProblem{
		"Error response from daemon: unauthorized: authentication required":                      RegistryAuth,
		"Error response from daemon: manifest unknown: manifest unknown":                         RegistryNotFound,
		`Get "https://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused`: RegistryUnreachable,
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

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
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
	if got := DigestFromRepoDigests(r, []string{"127.0.0.1:5443/other@sha256:aa", "127.0.0.1:5443/ns/repo@" + testDigest}); got != testDigest {
		t.Errorf("got %q", got)
	}
	hub, _ := ParseImageRef("library/busybox:1")
	if got := DigestFromRepoDigests(hub, []string{"busybox@" + testDigest}); got != testDigest {
		t.Errorf("docker hub: got %q", got)
	}
	if got := DigestFromRepoDigests(r, nil); got != "" {
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

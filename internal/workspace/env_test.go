// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"maps"
	"slices"
	"testing"
)

func TestInjectedEnv(t *testing.T) {
	s := WorkspaceSpec{WorkspaceID: "ws-id-1", Tier: 3, PlatformURL: "http://platform:8080"}
	want := map[string]string{
		"WORKSPACE_ID":          "ws-id-1",
		"WORKSPACE_CONFIG_PATH": "/configs",
		"PLATFORM_URL":          "http://platform:8080",
		"MOLECULE_URL":          "http://platform:8080",
		"TIER":                  "3",
		"PLUGINS_DIR":           "/plugins",
		"PYTHONPATH":            "/app",
	}
	if got := InjectedEnv(s); !maps.Equal(got, want) {
		t.Fatalf("InjectedEnv = %v, want %v", got, want)
	}
}

// Awareness is all-or-nothing: one of the two alone injects neither.
func TestInjectedEnvAwareness(t *testing.T) {
	cases := []struct {
		url, ns string
		want    bool
	}{
		{"http://aw", "team", true},
		{"http://aw", "", false},
		{"", "team", false},
		{"", "", false},
	}
	for _, c := range cases {
		env := InjectedEnv(WorkspaceSpec{WorkspaceID: "x", Tier: 2, AwarenessURL: c.url, AwarenessNamespace: c.ns})
		_, hasURL := env["AWARENESS_URL"]
		_, hasNS := env["AWARENESS_NAMESPACE"]
		if hasURL != c.want || hasNS != c.want {
			t.Errorf("url=%q ns=%q: AWARENESS_URL set %v, AWARENESS_NAMESPACE set %v, want both %v", c.url, c.ns, hasURL, hasNS, c.want)
		}
		if c.want && (env["AWARENESS_URL"] != c.url || env["AWARENESS_NAMESPACE"] != c.ns) {
			t.Errorf("awareness values: %v", env)
		}
	}
}

func TestContainerEnvSortedAndUserCannotOverrideInjected(t *testing.T) {
	s := WorkspaceSpec{
		WorkspaceID: "real-id",
		Tier:        2,
		Env: map[string]string{
			"OPENAI_API_KEY": "sk-1",
			"A_FIRST":        "x=y", // '=' in a value survives
			"WORKSPACE_ID":   "spoofed",
			"EMPTY":          "",
		},
	}
	env := ContainerEnv(s)
	if !slices.IsSorted(env) {
		t.Errorf("ContainerEnv not sorted (container create must be deterministic): %v", env)
	}
	parsed := ParseEnv(env)
	if parsed["WORKSPACE_ID"] != "real-id" {
		t.Errorf("user env overrode WORKSPACE_ID: %q", parsed["WORKSPACE_ID"])
	}
	for k, v := range map[string]string{"OPENAI_API_KEY": "sk-1", "A_FIRST": "x=y", "EMPTY": "", "TIER": "2"} {
		if got, ok := parsed[k]; !ok || got != v {
			t.Errorf("env %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if n := len(env); n != len(InjectedEnvKeys)-2+3 { // no awareness; 3 user keys kept
		t.Errorf("ContainerEnv has %d entries: %v", n, env)
	}
}

func TestParseEnv(t *testing.T) {
	got := ParseEnv([]string{"A=1", "B=x=y", "C=", "NOEQUALS", "=lead"})
	want := map[string]string{"A": "1", "B": "x=y", "C": "", "": "lead"}
	if !maps.Equal(got, want) {
		t.Fatalf("ParseEnv = %v, want %v", got, want)
	}
	if len(ParseEnv(nil)) != 0 {
		t.Fatal("ParseEnv(nil) not empty")
	}
}

func TestIsInjectedEnvKey(t *testing.T) {
	for _, k := range InjectedEnvKeys {
		if !IsInjectedEnvKey(k) {
			t.Errorf("%s not reported as injected", k)
		}
	}
	for _, k := range []string{"workspace_id", "OPENAI_API_KEY", "", "TIER "} {
		if IsInjectedEnvKey(k) {
			t.Errorf("%q reported as injected", k)
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// InjectedEnvKeys are set by the provider on every workspace; users may not set them.
var InjectedEnvKeys = []string{
	"WORKSPACE_ID", "WORKSPACE_CONFIG_PATH", "PLATFORM_URL", "MOLECULE_URL",
	"TIER", "PLUGINS_DIR", "AWARENESS_NAMESPACE", "AWARENESS_URL", "PYTHONPATH",
}

// AdapterDir is where the platform's images keep the runtime adapter module;
// it is injected as PYTHONPATH, as the platform does.
const AdapterDir = "/app"

// IsInjectedEnvKey reports whether key is one the provider sets itself.
func IsInjectedEnvKey(key string) bool { return slices.Contains(InjectedEnvKeys, key) }

// InjectedEnv returns the variables the runtime contract requires.
func InjectedEnv(s WorkspaceSpec) map[string]string {
	env := map[string]string{
		"WORKSPACE_ID":          s.WorkspaceID,
		"WORKSPACE_CONFIG_PATH": "/configs",
		"PLATFORM_URL":          s.PlatformURL,
		"MOLECULE_URL":          s.PlatformURL,
		"TIER":                  strconv.Itoa(s.Tier),
		"PLUGINS_DIR":           "/plugins",
		"PYTHONPATH":            AdapterDir,
	}
	// The runtime treats awareness as all-or-nothing.
	if s.AwarenessURL != "" && s.AwarenessNamespace != "" {
		env["AWARENESS_URL"] = s.AwarenessURL
		env["AWARENESS_NAMESPACE"] = s.AwarenessNamespace
	}
	return env
}

// ContainerEnv returns the container's environment as sorted KEY=value
// entries: the injected variables, then the user's, then the write-only ones.
func ContainerEnv(s WorkspaceSpec) []string {
	all := InjectedEnv(s)
	for _, user := range []map[string]string{s.Env, s.SecretEnv} {
		for k, v := range user {
			// Validation refuses such keys; skipping them here too keeps a
			// key like "TIER=" from shadowing an injected variable.
			if !IsInjectedEnvKey(k) && k != "" && !strings.Contains(k, "=") {
				all[k] = v
			}
		}
	}
	out := make([]string, 0, len(all))
	for _, k := range slices.Sorted(maps.Keys(all)) {
		out = append(out, fmt.Sprintf("%s=%s", k, all[k]))
	}
	return out
}

// ParseEnv turns Docker's KEY=value list into a map.
func ParseEnv(entries []string) map[string]string {
	env := make(map[string]string, len(entries))
	for _, e := range entries {
		for i := 0; i < len(e); i++ {
			if e[i] == '=' {
				env[e[:i]] = e[i+1:]
				break
			}
		}
	}
	return env
}

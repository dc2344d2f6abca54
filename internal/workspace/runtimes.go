// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"maps"
	"strings"
)

// DefaultRuntime is the runtime used when a workspace names none.
const DefaultRuntime = "langgraph"

// DefaultImageRegistry is where the platform publishes its workspace images.
const DefaultImageRegistry = "ghcr.io/molecule-ai"

// knownRuntimes are the runtimes the platform publishes templates for, sorted.
var knownRuntimes = []string{"autogen", "claude-code", "codex", "crewai", "deepagents", "gemini-cli", "hermes", "langgraph", "openclaw"}

// KnownRuntimes lists the default runtimes, sorted, for validation and docs.
func KnownRuntimes() []string { return append([]string(nil), knownRuntimes...) }

// DefaultImage is the platform's image for a runtime under a registry
// (a host with an optional namespace, such as ghcr.io/molecule-ai).
func DefaultImage(registry, runtime string) string {
	return strings.TrimRight(registry, "/") + "/workspace-template-" + runtime + ":latest"
}

// RuntimeImages is the default table under registry with overrides laid
// over it; overrides may add runtimes.
func RuntimeImages(registry string, overrides map[string]string) map[string]string {
	table := make(map[string]string, len(knownRuntimes)+len(overrides))
	for _, rt := range knownRuntimes {
		table[rt] = DefaultImage(registry, rt)
	}
	maps.Copy(table, overrides)
	return table
}

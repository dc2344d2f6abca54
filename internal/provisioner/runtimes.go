// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"maps"
	"slices"
)

// DefaultRuntime is the runtime used when a workspace names none.
const DefaultRuntime = "langgraph"

// DefaultRuntimeImages maps each known runtime to the image the platform builds for it.
var DefaultRuntimeImages = map[string]string{
	"langgraph":   "workspace-template:langgraph",
	"claude-code": "workspace-template:claude-code",
	"openclaw":    "workspace-template:openclaw",
	"deepagents":  "workspace-template:deepagents",
	"crewai":      "workspace-template:crewai",
	"autogen":     "workspace-template:autogen",
	"hermes":      "workspace-template:hermes",
}

// KnownRuntimes lists the default runtimes, sorted, for validation and docs.
func KnownRuntimes() []string {
	return slices.Sorted(maps.Keys(DefaultRuntimeImages))
}

// MergeRuntimeImages lays overrides over the default table; overrides may add runtimes.
func MergeRuntimeImages(overrides map[string]string) map[string]string {
	merged := maps.Clone(DefaultRuntimeImages)
	for runtime, image := range overrides {
		merged[runtime] = image
	}
	return merged
}

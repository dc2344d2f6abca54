// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// image_registry wins over MOLECULE_IMAGE_REGISTRY, which wins over the
// platform's registry.
func TestImageRegistry(t *testing.T) {
	t.Setenv(imageRegistryEnv, "")
	if got := imageRegistry(types.StringNull()); got != workspace.DefaultImageRegistry {
		t.Errorf("default: %q", got)
	}
	t.Setenv(imageRegistryEnv, "mirror.example.com/molecule")
	if got := imageRegistry(types.StringNull()); got != "mirror.example.com/molecule" {
		t.Errorf("from the environment: %q", got)
	}
	if got := imageRegistry(types.StringValue("registry.example.com:5000/ns")); got != "registry.example.com:5000/ns" {
		t.Errorf("from the provider block: %q", got)
	}
	for _, bad := range []string{"https://ghcr.io/x", "ghcr.io/x:latest", "ghcr.io/X"} {
		if imageRegistryPattern.MatchString(bad) {
			t.Errorf("image_registry %q accepted", bad)
		}
	}
	for _, good := range []string{"ghcr.io/molecule-ai", "127.0.0.1:5443/molecule-ai", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/molecule", "localhost:5000"} {
		if !imageRegistryPattern.MatchString(good) {
			t.Errorf("image_registry %q refused", good)
		}
	}
}

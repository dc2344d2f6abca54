// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Plan-time diagnostics that need the backend's answer. Each plan fails
// before anything is written on the backend.
func TestPlanDiagnostics_needTheBackend(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(b *fakebackend.Backend, id string)
		config func(id string) string
		want   []string // parts of the message, in order
	}{
		{
			name:   "missing_image_with_pull_never",
			setup:  func(b *fakebackend.Backend, _ string) { b.RemoveImage(unitImage(workspace.DefaultRuntime)) },
			config: func(id string) string { return unitConfig(id, `image_pull = "never"`) },
			want:   []string{"Image not found", unitImage(workspace.DefaultRuntime)},
		},
		{
			name:   "name_held_by_a_foreign_container",
			setup:  func(b *fakebackend.Backend, id string) { b.PutForeignContainer(id, false) },
			config: func(id string) string { return unitConfig(id) },
			want:   []string{"Container name taken", "this provider does not manage"},
		},
		{
			name:   "name_held_by_the_platform",
			setup:  func(b *fakebackend.Backend, id string) { b.PutForeignContainer(id, true) },
			config: func(id string) string { return unitConfig(id) },
			want:   []string{"Container name taken", "Molecule platform", "platform:unitdiagname_held_by_the_platform"},
		},
		{
			name:   "missing_network",
			config: func(id string) string { return unitConfig(id, `network = "absent-net"`) },
			want:   []string{"Network not found", "absent-net", "molecule_network"},
		},
		{
			name: "registry_refuses_login_for_a_missing_image",
			setup: func(b *fakebackend.Backend, _ string) {
				b.RemoveImage(unitImage(workspace.DefaultRuntime))
				b.SetRegistryError(unitImage(workspace.DefaultRuntime), workspace.RegistryAuth)
			},
			config: func(id string) string { return unitConfig(id) },
			want:   []string{"Image registry: authentication refused"},
		},
		{
			name: "tag_missing_in_the_registry",
			setup: func(b *fakebackend.Backend, _ string) {
				b.RemoveImage(unitImage(workspace.DefaultRuntime))
				b.SetRegistryError(unitImage(workspace.DefaultRuntime), workspace.RegistryNotFound)
			},
			config: func(id string) string { return unitConfig(id) },
			want:   []string{"Image registry: not found"},
		},
		{
			name:   "privileged_tier_not_allowed",
			config: func(id string) string { return unitConfig(id, "tier = 3") },
			want:   []string{"tier 3 runs privileged", "allow_privileged_tiers"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newUnitFake()
			id := "unitdiag" + tt.name
			if tt.setup != nil {
				tt.setup(b, id)
			}
			foreign := b.Containers()
			runUnitChecking(t, b, func(*terraform.State) error {
				if w := b.Writes(); len(w) > 0 {
					return fmt.Errorf("a failed plan wrote on the backend: %v", w)
				}
				if got := b.Containers(); !slices.Equal(got, foreign) {
					return fmt.Errorf("containers %v after the failed plan, want %v untouched", got, foreign)
				}
				return nil
			}, resource.TestStep{Config: tt.config(id), ExpectError: acctest.MessageRegexp(tt.want...)})
		})
	}
}

// Two resources whose ids share their first 12 characters would share
// every name: the plan refuses the second, before any call writes.
func TestPlanDiagnostics_idsCollide(t *testing.T) {
	b := newUnitFake()
	runUnit(t, b, resource.TestStep{
		Config: unitProvider() +
			workspaceHCL("a", "unitcollide-a", configYAMLLine("a")) +
			workspaceHCL("b", "unitcollide-b", configYAMLLine("b")),
		ExpectError: acctest.MessageRegexp("Workspace ids collide"),
	})
}

// A workspace whose registry is unreachable keeps its image: with
// image_pull = "always" the plan warns and changes nothing.
func TestPlanDiagnostics_registryOutageKeepsTheImage(t *testing.T) {
	b := newUnitFake()
	id := "unitregistrydown"
	runUnit(t, b,
		resource.TestStep{Config: unitConfig(id, `image_pull = "always"`)},
		resource.TestStep{
			PreConfig: func() { b.SetRegistryError(unitImage(workspace.DefaultRuntime), workspace.RegistryUnreachable) },
			Config:    unitConfig(id, `image_pull = "always"`),
			PlanOnly:  true, // fails unless the plan is empty
		},
	)
}

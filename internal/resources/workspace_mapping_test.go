// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func TestReadBackMapKeepsOnlyManagedKeys(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	prior := mapValue(map[string]string{"API_KEY": "old", "GONE": "x"}, false)
	observed := map[string]string{"API_KEY": "new", "PATH": "/bin", "OTHER": "y"}
	got := stringMap(ctx, readBackMap(ctx, prior, observed, nil, false, &diags), &diags)
	if len(got) != 1 || got["API_KEY"] != "new" {
		t.Fatalf("want only API_KEY=new (GONE dropped, unmanaged ignored), got %v", got)
	}
	if !readBackMap(ctx, types.MapNull(types.StringType), observed, nil, false, &diags).IsNull() {
		t.Fatal("an omitted map must stay null on refresh")
	}
	imported := stringMap(ctx, readBackMap(ctx, types.MapNull(types.StringType), observed, map[string]string{"OTHER": "y"}, true, &diags), &diags)
	if len(imported) != 1 || imported["OTHER"] != "y" {
		t.Fatalf("import must take the user's recorded keys only, got %v", imported)
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}

func TestReadBackHashesTracksManagedFilesAndConfigYAML(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	prior := mapValue(map[string]string{"a.txt": "h1", "deleted.txt": "h2"}, false)
	observed := map[string]string{"a.txt": "h1-edited", "config.yaml": "c", "agent-written.json": "z"}
	got := stringMap(ctx, readBackHashes(ctx, prior, observed, &diags), &diags)
	want := map[string]string{"a.txt": "h1-edited", "config.yaml": "c"}
	if len(got) != len(want) || got["a.txt"] != want["a.txt"] || got["config.yaml"] != want["config.yaml"] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if !readBackHashes(ctx, prior, nil, &diags).Equal(prior) {
		t.Fatal("without a read of /configs the prior hashes must stay")
	}
}

func TestReadWorkspaceAccessAndPath(t *testing.T) {
	cases := []struct {
		name                 string
		priorAccess, prior   string
		obs                  workspace.ObservedWorkspace
		wantAccess, wantPath string
		wantPathNull         bool
	}{
		{"bind ro", "read_only", "/srv/p", workspace.ObservedWorkspace{WorkspacePath: "/srv/p", WorkspaceRO: true}, "read_only", "/srv/p", false},
		{"bind changed to rw outside", "read_only", "/srv/p", workspace.ObservedWorkspace{WorkspacePath: "/srv/p"}, "read_write", "/srv/p", false},
		{"none keeps ignored path", "none", "/srv/p", workspace.ObservedWorkspace{WorkspaceVolume: "ws-x-workspace"}, "none", "/srv/p", false},
		{"bind replaced by volume outside", "read_write", "/srv/p", workspace.ObservedWorkspace{WorkspaceVolume: "ws-x-workspace"}, "none", "", true},
		{"mount removed outside", "read_write", "/srv/p", workspace.ObservedWorkspace{Tier: 2}, "none", "", true},
		{"tier 1 has none", "none", "", workspace.ObservedWorkspace{Tier: 1}, "none", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var prior workspaceModel
			prior.WorkspaceAccess, prior.WorkspacePath = types.StringValue(tc.priorAccess), types.StringValue(tc.prior)
			m := prior
			applyObserved(t.Context(), &m, tc.obs, workspace.InternalURL("ws1"), false, &diag.Diagnostics{})
			if m.WorkspaceAccess.ValueString() != tc.wantAccess {
				t.Errorf("access = %s, want %s", m.WorkspaceAccess, tc.wantAccess)
			}
			if m.WorkspacePath.IsNull() != tc.wantPathNull || (!tc.wantPathNull && m.WorkspacePath.ValueString() != tc.wantPath) {
				t.Errorf("path = %s, want %q (null %t)", m.WorkspacePath, tc.wantPath, tc.wantPathNull)
			}
		})
	}
}

// The data sources and the resource read the same values through one
// mapping: every summary attribute has a struct field and a description.
func TestObservedAttributesMatchTheStructs(t *testing.T) {
	obj := summaryObject(t.Context(), summaryOf("ws1", workspace.InternalURL("ws1"), workspace.ObservedWorkspace{Status: workspace.StatusRunning}), &diag.Diagnostics{})
	if obj.IsNull() || obj.IsUnknown() {
		t.Fatalf("summary object = %s", obj)
	}
	for _, a := range append(summaryAttributes, detailAttributes...) {
		if a.desc == "" || observedDescription(a.name) != a.desc {
			t.Errorf("attribute %s has no description", a.name)
		}
	}
	if got := summaryOf("ws1", workspace.InternalURL("ws1"), workspace.ObservedWorkspace{WorkspacePath: "/srv"}).WorkspaceAccess.ValueString(); got != workspace.AccessReadWrite {
		t.Errorf("workspace_access of a read-write bind = %q", got)
	}
}

func TestClaimDetectsSharedPrefix(t *testing.T) {
	var d ProviderData
	if _, clash := d.claim("aaaaaaaaaaaa-1"); clash {
		t.Fatal("first claim cannot clash")
	}
	// Each Terraform walk (plan, apply) configures the provider afresh, so a
	// second claim of the same id in one ProviderData is a second resource.
	if other, clash := d.claim("aaaaaaaaaaaa-1"); !clash || other != "aaaaaaaaaaaa-1" {
		t.Fatalf("two resources with the same id must clash, got %q %t", other, clash)
	}
	other, clash := d.claim("aaaaaaaaaaaa-2")
	if !clash || other != "aaaaaaaaaaaa-1" {
		t.Fatalf("want clash with aaaaaaaaaaaa-1, got %q %t", other, clash)
	}
}

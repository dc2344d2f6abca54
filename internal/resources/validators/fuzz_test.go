// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Fuzz targets for the attribute validators: whatever they accept must be
// safe to turn into Docker names and container environment entries. `make
// fuzz` runs each briefly; the seed corpus lives in testdata/fuzz/<target>/.

// Docker's rules: container names (a leading "/" allowed) and volume names.
var (
	dockerContainerName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)
	dockerVolumeName    = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)
)

func FuzzCheckWorkspaceID(f *testing.F) {
	for _, seed := range []string{"3f1c2a9e-7b4d-4e5f-8a6b-1c2d3e4f5a6b", "a", "", "-x", ".x", "_x", "x/y", "x y", "wörk", "x:1", strings.Repeat("a", 129), "aaaaaaaa-bbbb-cccc"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if err := CheckWorkspaceID(id); err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		if id == "" || len(id) > MaxWorkspaceIDLength || !utf8.ValidString(id) {
			t.Fatalf("accepted %q", id)
		}
		if !dockerContainerName.MatchString(workspace.ContainerName(id)) {
			t.Fatalf("accepted %q, whose container name %q Docker refuses", id, workspace.ContainerName(id))
		}
		for _, v := range []string{workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id)} {
			if !dockerVolumeName.MatchString(v) {
				t.Fatalf("accepted %q, whose volume name %q Docker refuses", id, v)
			}
		}
	})
}

func FuzzCheckEnvKey(f *testing.F) {
	for _, seed := range []string{"API_KEY", "A=B", "", "A\x00B", "MY VAR", "WORKSPACE_ID", "tier", "é", "\t", "PATH"} {
		f.Add(seed, "value")
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		keyErr := CheckEnvKey(key, workspace.InjectedEnvKeys)
		valueErr := CheckEnvValue(key, value)
		if keyErr == nil {
			switch {
			case key == "", strings.ContainsAny(key, "=\x00"), !utf8.ValidString(key):
				t.Fatalf("accepted key %q", key)
			case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsControl(r) || r == ' ' }):
				t.Fatalf("accepted key %q with a space or control character", key)
			case slices.Contains(workspace.InjectedEnvKeys, key):
				t.Fatalf("accepted reserved key %q", key)
			}
		}
		if valueErr == nil && strings.ContainsRune(value, 0) {
			t.Fatalf("accepted a value with NUL for %q", key)
		}
		if keyErr == nil && valueErr == nil {
			// An accepted pair survives the trip through Docker's KEY=value list.
			got := workspace.ParseEnv([]string{key + "=" + value})
			if got[key] != value || len(got) != 1 {
				t.Fatalf("%q=%q reads back as %v", key, value, got)
			}
		}
	})
}

func FuzzAbsolutePath(f *testing.F) {
	for _, seed := range []string{"/srv/project", "relative/dir", "", "/", "/a/../b", "/with\x00nul", "C:\\x"} {
		f.Add(seed)
	}
	v := AbsolutePath()
	f.Fuzz(func(t *testing.T, p string) {
		req := validator.StringRequest{Path: path.Root("workspace_path"), ConfigValue: types.StringValue(p)}
		resp := &validator.StringResponse{}
		v.ValidateString(context.Background(), req, resp)
		if !resp.Diagnostics.HasError() && (!filepath.IsAbs(p) || strings.ContainsRune(p, 0) || slices.Contains(strings.Split(p, "/"), "..")) {
			t.Fatalf("accepted %q", p)
		}
	})
}

func FuzzConfigFilesValidator(f *testing.F) {
	f.Add("config.yaml", "name: a\n")
	f.Add("../x", "y")
	f.Add("a.json", "\xff")
	v := ConfigFiles()
	f.Fuzz(func(t *testing.T, key, content string) {
		m := types.MapValueMust(types.StringType, map[string]attr.Value{key: types.StringValue(content)})
		req := validator.MapRequest{Path: path.Root("config_files"), ConfigValue: m}
		resp := &validator.MapResponse{}
		v.ValidateMap(context.Background(), req, resp)
		if resp.Diagnostics.HasError() {
			return
		}
		// What the validator lets through, the workspace model can pack.
		if _, err := workspace.BuildConfigArchive(nil, map[string]string{key: content}); err != nil {
			t.Fatalf("validator accepted %q but packing fails: %v", key, err)
		}
	})
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: no error, want one containing %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not contain %q", what, err, want)
	}
}

func TestCheckWorkspaceID(t *testing.T) {
	cases := map[string]string{
		"3f2b8c1e-9d4a-4b7e-8f00-123456789abc": "",
		"a":                                    "",
		"A1_b.c-d":                             "",
		strings.Repeat("x", 128):               "",
		"":                                     "workspace_id is empty",
		strings.Repeat("x", 129):               "129 characters long; the limit is 128",
		"-leading-dash":                        "must start with a letter or digit",
		".hidden":                              "must start with a letter or digit",
		"has space":                            "may hold only letters",
		"slash/id":                             "may hold only letters",
		"ünicode":                              "may hold only letters",
	}
	for id, want := range cases {
		wantErr(t, "id "+id, CheckWorkspaceID(id), want)
	}
}

// A bad network name is reported as a network name, never as a workspace id.
func TestCheckNetworkName(t *testing.T) {
	cases := map[string]string{
		"molecule-net":           "",
		"tfacc_net.1":            "",
		strings.Repeat("n", 128): "",
		"":                       "network name is empty",
		strings.Repeat("n", 129): "network name is 129 characters long",
		"-net":                   `network name "-net" may hold only letters`,
		"my net":                 "must start with a letter or digit",
		"bridge":                 `"bridge" is one of Docker's own networks`,
		"default":                `"default" is one of Docker's own networks`,
		"none":                   `"none" is one of Docker's own networks`,
		"host":                   "", // the host-network tiers' own; ValidateConfig checks the tier
	}
	for name, want := range cases {
		err := CheckNetworkName(name)
		wantErr(t, "network "+name, err, want)
		if err != nil && strings.Contains(err.Error(), "workspace_id") {
			t.Errorf("network %q: error %q names workspace_id", name, err)
		}
	}
}

func TestCheckEnvKey(t *testing.T) {
	reserved := []string{"WORKSPACE_ID", "TIER"}
	cases := map[string]string{
		"OPENAI_API_KEY": "",
		"lower_ok":       "",
		"":               "an env key is empty",
		"A=B":            "contains '='",
		"NUL\x00":        "contains '='",
		"WITH SPACE":     "spaces or control characters",
		"TAB\tKEY":       "spaces or control characters",
		"BAD\xffUTF8":    "spaces or control characters",
		"WORKSPACE_ID":   "is set by the provider itself",
		"TIER":           "use the matching attribute",
	}
	for key, want := range cases {
		wantErr(t, "key "+key, CheckEnvKey(key, reserved), want)
	}
}

func TestCheckEnvValue(t *testing.T) {
	wantErr(t, "plain", CheckEnvValue("K", "multi\nline = ok"), "")
	wantErr(t, "empty", CheckEnvValue("K", ""), "")
	wantErr(t, "nul", CheckEnvValue("K", "a\x00b"), `env["K"] contains a NUL byte`)
}

func validateString(v validator.String, value types.String) validator.StringResponse {
	var resp validator.StringResponse
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: value}, &resp)
	return resp
}

func validateMap(v validator.Map, value types.Map) validator.MapResponse {
	var resp validator.MapResponse
	v.ValidateMap(context.Background(), validator.MapRequest{Path: path.Root("m"), ConfigValue: value}, &resp)
	return resp
}

func strMap(t *testing.T, m map[string]string) types.Map {
	t.Helper()
	elems := map[string]attr.Value{}
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	out, diags := types.MapValue(types.StringType, elems)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return out
}

func TestStringValidatorsSkipNullAndUnknown(t *testing.T) {
	for name, v := range map[string]validator.String{"WorkspaceID": WorkspaceID(), "AbsolutePath": AbsolutePath()} {
		for _, value := range []types.String{types.StringNull(), types.StringUnknown()} {
			if resp := validateString(v, value); resp.Diagnostics.HasError() {
				t.Errorf("%s on %v: %v", name, value, resp.Diagnostics)
			}
		}
		if v.Description(context.Background()) == "" || v.MarkdownDescription(context.Background()) == "" {
			t.Errorf("%s has no description", name)
		}
	}
}

func TestWorkspaceIDValidatorReportsOnAttribute(t *testing.T) {
	resp := validateString(WorkspaceID(), types.StringValue("bad id"))
	if resp.Diagnostics.ErrorsCount() != 1 {
		t.Fatalf("diagnostics: %v", resp.Diagnostics)
	}
	d := resp.Diagnostics.Errors()[0]
	if wp, ok := d.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(path.Root("attr")) {
		t.Errorf("error not attached to the attribute: %v", d)
	}
	if validateString(WorkspaceID(), types.StringValue("good-id")).Diagnostics.HasError() {
		t.Error("good id rejected")
	}
}

func TestAbsolutePath(t *testing.T) {
	cases := map[string]string{
		"/srv/project": "",
		"/":            "",
		"relative/dir": "is not an absolute path",
		"./here":       "is not an absolute path",
		"":             "is not an absolute path",
		"/with\x00nul": "NUL byte",
	}
	for p, want := range cases {
		resp := validateString(AbsolutePath(), types.StringValue(p))
		wantErr(t, "path "+p, firstError(resp.Diagnostics), want)
	}
}

// firstError turns the first error diagnostic's detail into an error, nil when none.
func firstError(diags diag.Diagnostics) error {
	if !diags.HasError() {
		return nil
	}
	return errors.New(diags.Errors()[0].Detail())
}

func TestConfigFilesValidator(t *testing.T) {
	cases := map[string]string{
		"config.yaml":       "",
		"prompts/system.md": "",
		"../escape.yaml":    `must stay inside /configs: remove the ".." element`,
		"a/../../b":         "",
		"/etc/passwd":       "must be relative to /configs",
		"":                  "must not be empty",
		`dir\file`:          "backslash",
	}
	for key, want := range cases {
		resp := validateMap(ConfigFiles(), strMap(t, map[string]string{key: "x: 1\n"}))
		err := firstError(resp.Diagnostics)
		if err != nil {
			d := resp.Diagnostics.Errors()[0]
			if wp, ok := d.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(path.Root("m").AtMapKey(key)) {
				t.Errorf("key %q: error not attached to the map key", key)
			}
		}
		if key == "a/../../b" {
			// Unclean: rejected either for ".." or for not being clean.
			if err == nil {
				t.Errorf("key %q accepted", key)
			}
			continue
		}
		wantErr(t, "config key "+key, err, want)
	}
}

func TestEnvVarsValidator(t *testing.T) {
	reserved := []string{"WORKSPACE_ID"}
	ok := validateMap(EnvVars(reserved), strMap(t, map[string]string{"API_KEY": "v", "OTHER": ""}))
	if ok.Diagnostics.HasError() {
		t.Errorf("valid env rejected: %v", ok.Diagnostics)
	}
	bad := validateMap(EnvVars(reserved), strMap(t, map[string]string{"WORKSPACE_ID": "x", "A=B": "y", "NUL": "a\x00"}))
	if n := bad.Diagnostics.ErrorsCount(); n != 3 {
		t.Errorf("want one error per bad entry (3), got %d: %v", n, bad.Diagnostics)
	}
}

func TestUserLabelsValidator(t *testing.T) {
	if resp := validateMap(UserLabels(), strMap(t, map[string]string{"team": "x", "com.example/a": "b"})); resp.Diagnostics.HasError() {
		t.Errorf("valid labels rejected: %v", resp.Diagnostics)
	}
	resp := validateMap(UserLabels(), strMap(t, map[string]string{"ai.molecule.terraform.managed": "false"}))
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "reserved ai.molecule.terraform. namespace") {
		t.Errorf("reserved label accepted: %v", resp.Diagnostics)
	}
	if resp := validateMap(UserLabels(), strMap(t, map[string]string{"": "x"})); !resp.Diagnostics.HasError() {
		t.Error("empty label key accepted")
	}
}

func TestMapValidatorsSkipNullUnknownAndUnknownElements(t *testing.T) {
	withUnknown, _ := types.MapValue(types.StringType, map[string]attr.Value{"WORKSPACE_ID": types.StringUnknown()})
	for name, v := range map[string]validator.Map{"ConfigFiles": ConfigFiles(), "EnvVars": EnvVars(nil), "UserLabels": UserLabels()} {
		for _, value := range []types.Map{types.MapNull(types.StringType), types.MapUnknown(types.StringType)} {
			if resp := validateMap(v, value); resp.Diagnostics.HasError() {
				t.Errorf("%s on %v: %v", name, value, resp.Diagnostics)
			}
		}
		if v.Description(context.Background()) == "" || v.MarkdownDescription(context.Background()) == "" {
			t.Errorf("%s has no description", name)
		}
	}
	// An unknown value is skipped (it is checked once known).
	if resp := validateMap(EnvVars([]string{"X"}), withUnknown); resp.Diagnostics.HasError() {
		t.Errorf("unknown element checked: %v", resp.Diagnostics)
	}
}

func TestCheckAbsolutePathRefusesDotDot(t *testing.T) {
	v := AbsolutePath()
	for _, p := range []string{"/srv/../etc", "/srv/project/..", "/../x"} {
		resp := validateString(v, types.StringValue(p))
		if !resp.Diagnostics.HasError() {
			t.Errorf("%q: want an error for the .. element", p)
		}
	}
	if resp := validateString(v, types.StringValue("/srv/project")); resp.Diagnostics.HasError() {
		t.Errorf("clean path refused: %v", resp.Diagnostics)
	}
}

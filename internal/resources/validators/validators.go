// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package validators holds the attribute validators of the molecule
// resources. Each skips null and unknown values and reports on the attribute
// at fault with what to change.
package validators

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// dockerNamePattern is Docker's rule for container names, which a workspace
// id's prefix becomes part of, and for the network names we create.
var dockerNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// NameCharacters and NameStart say dockerNamePattern in words, for messages
// and schema descriptions.
const (
	NameCharacters = "letters, digits, '_', '.' and '-'"
	NameStart      = "a letter or digit"
)

// MaxWorkspaceIDLength bounds ids (they are also stored as label values).
const MaxWorkspaceIDLength = 128

// MaxNetworkNameLength bounds network names (they name Linux bridges and
// label values; Docker sets no lower limit of its own).
const MaxNetworkNameLength = 128

// CheckWorkspaceID returns why an id is unusable, or nil.
func CheckWorkspaceID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("workspace_id is empty: give the platform's workspace id, e.g. a UUID")
	case len(id) > MaxWorkspaceIDLength:
		return fmt.Errorf("workspace_id is %d characters long; the limit is %d", len(id), MaxWorkspaceIDLength)
	case !dockerNamePattern.MatchString(id):
		return fmt.Errorf("workspace_id %q may hold only %s, and must start with %s (Docker container-name rules)", id, NameCharacters, NameStart)
	}
	return nil
}

// CheckNetworkName returns why a Docker network name is unusable, or nil.
func CheckNetworkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the network name is empty: name an existing network, or leave the attribute out for the default")
	case len(name) > MaxNetworkNameLength:
		return fmt.Errorf("network name is %d characters long; the limit is %d", len(name), MaxNetworkNameLength)
	case !dockerNamePattern.MatchString(name):
		return fmt.Errorf("network name %q may hold only %s, and must start with %s", name, NameCharacters, NameStart)
	case workspace.IsBuiltinNetwork(name):
		return fmt.Errorf("%q is one of Docker's own networks, on which a container cannot have the network alias a workspace is reached by: name a user-defined network (a molecule_network resource), or leave it out for the provider's (default %q)", name, workspace.DefaultNetwork)
	}
	return nil
}

// CheckEnvKey returns why an environment variable name is unusable, or nil.
func CheckEnvKey(key string, reserved []string) error {
	switch {
	case key == "":
		return fmt.Errorf("an env key is empty: give every variable a name")
	case strings.ContainsAny(key, "=\x00"):
		return fmt.Errorf("env key %q contains '=' or a NUL byte, which cannot appear in a variable name", key)
	case !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }):
		return fmt.Errorf("env key %q contains spaces or control characters: use letters, digits and '_'", key)
	case slices.Contains(reserved, key):
		return fmt.Errorf("env key %q is set by the provider itself; use the matching attribute (workspace_id, platform_url, tier, awareness_url/awareness_namespace) instead", key)
	}
	return nil
}

// CheckEnvValue returns why an environment variable value is unusable, or nil.
func CheckEnvValue(key, value string) error {
	if strings.ContainsRune(value, 0) {
		return fmt.Errorf("env[%q] contains a NUL byte, which the container environment cannot carry", key)
	}
	return nil
}

type stringCheck struct {
	desc  string
	check func(string) error
}

func (v stringCheck) Description(context.Context) string         { return v.desc }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.desc }
func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
}

// WorkspaceID validates workspace ids.
func WorkspaceID() validator.String {
	return stringCheck{desc: "a workspace id usable in Docker names", check: CheckWorkspaceID}
}

// NetworkName validates Docker network names.
func NetworkName() validator.String {
	return stringCheck{desc: "a Docker network name", check: CheckNetworkName}
}

// AbsolutePath requires a clean absolute host path.
func AbsolutePath() validator.String {
	return stringCheck{desc: "an absolute host path", check: func(p string) error {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("%q is not an absolute path: give the full host path, starting with /", p)
		}
		if strings.ContainsRune(p, 0) {
			return fmt.Errorf("path contains a NUL byte")
		}
		if slices.Contains(strings.Split(p, "/"), "..") {
			return fmt.Errorf("%q contains a \"..\" element: give the resolved path, e.g. %q", p, filepath.Clean(p))
		}
		return nil
	}}
}

type mapCheck struct {
	desc  string
	check func(key, value string) error
}

func (v mapCheck) Description(context.Context) string         { return v.desc }
func (v mapCheck) MarkdownDescription(context.Context) string { return v.desc }
func (v mapCheck) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for key, raw := range req.ConfigValue.Elements() {
		s, ok := raw.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		if err := v.check(key, s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(key), "Invalid "+req.Path.String()+" entry", err.Error())
		}
	}
}

// ConfigFiles validates config_files keys and contents.
func ConfigFiles() validator.Map {
	return mapCheck{desc: "relative, clean paths inside /configs with bounded, well-formed content", check: func(k, v string) error {
		if err := workspace.ValidateConfigFileKey(k); err != nil {
			return err
		}
		return workspace.ValidateConfigFileContent(k, v)
	}}
}

// EnvVars validates env names and values, refusing reserved names.
func EnvVars(reserved []string) validator.Map {
	return mapCheck{desc: "environment variables not set by the provider", check: func(k, v string) error {
		if err := CheckEnvKey(k, reserved); err != nil {
			return err
		}
		return CheckEnvValue(k, v)
	}}
}

// UserLabels refuses label keys in the provider's own namespace.
func UserLabels() validator.Map {
	return mapCheck{desc: "labels outside the ai.molecule.terraform. namespace", check: func(k, _ string) error {
		if k == "" {
			return fmt.Errorf("a label key is empty")
		}
		if workspace.IsReservedLabel(k) {
			return fmt.Errorf("label key %q is in the provider's reserved ai.molecule.terraform. namespace: choose another key", k)
		}
		return nil
	}}
}

// ImageReference accepts what docker pull accepts: a tag, a digest or both.
func ImageReference() validator.String {
	return stringCheck{desc: "an image reference", check: func(s string) error {
		_, err := workspace.ParseImageRef(s)
		return err
	}}
}

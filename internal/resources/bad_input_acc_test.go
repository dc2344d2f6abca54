// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

// badInput is one invalid workspace configuration and the diagnostic that
// terraform plan must give for it.
type badInput struct {
	name string
	// body is the resource block's content after workspace_id; it may use
	// the fixture paths of badInputFixtures through fmt verbs in setup.
	body func(f badInputFixtures) string
	// id overrides the random workspace id ("-" leaves workspace_id out of
	// the generated line: the body sets it).
	id string
	// want is matched with acctest.MessageRegexp (terraform wraps long
	// lines) against this resource's diagnostics.
	want string
}

// badInputFixtures are host paths the cases point at.
type badInputFixtures struct {
	file, emptyDir, noConfigYAML, configYAMLIsDir, emptyConfigYAML, outsideLink,
	oversizeFile, nonUTF8Config, nulJSON, nonUTF8Name, fifo, goodTemplate string
}

const okFiles = `config_files = { "config.yaml" = "name: bad\n" }`

func fixed(body string) func(badInputFixtures) string {
	return func(badInputFixtures) string { return body }
}

// validationCases fail in terraform's validate walk (schema validators and
// ValidateConfig), before any resource is planned.
var validationCases = []badInput{
	// config_files keys: traversal, absolute and unclean paths.
	{name: "cf_parent_traversal", body: fixed(`config_files = { "config.yaml" = "a: 1", "../escape.yaml" = "x" }`), want: `"../escape.yaml" must stay inside /configs`},
	{name: "cf_nested_traversal", body: fixed(`config_files = { "config.yaml" = "a: 1", "sub/../../etc/cron" = "x" }`), want: `must stay inside /configs: remove the ".." element`},
	{name: "cf_absolute_key", body: fixed(`config_files = { "config.yaml" = "a: 1", "/etc/passwd" = "x" }`), want: `"/etc/passwd" must be relative to /configs`},
	{name: "cf_dot_slash", body: fixed(`config_files = { "./config.yaml" = "a: 1" }`), want: `is not a clean path`},
	{name: "cf_double_slash", body: fixed(`config_files = { "config.yaml" = "a: 1", "a//b.yaml" = "x" }`), want: `"a//b.yaml" is not a clean path`},
	{name: "cf_trailing_slash", body: fixed(`config_files = { "config.yaml" = "a: 1", "dir/" = "x" }`), want: `"dir/" is not a clean path`},
	{name: "cf_empty_key", body: fixed(`config_files = { "config.yaml" = "a: 1", "" = "x" }`), want: `config file key must not be empty`},
	{name: "cf_dot_key", body: fixed(`config_files = { "config.yaml" = "a: 1", "." = "x" }`), want: `names /configs itself`},
	{name: "cf_backslash", body: fixed(`config_files = { "config.yaml" = "a: 1", "a\\b.txt" = "x" }`), want: `contains a backslash`},
	{name: "cf_windows_drive", body: fixed(`config_files = { "config.yaml" = "a: 1", "C:/x.txt" = "x" }`), want: `starts with a Windows drive letter`},
	{name: "cf_control_char", body: fixed(`config_files = { "config.yaml" = "a: 1", "a\u0007b" = "x" }`), want: `contains the control character U+0007`},
	{name: "cf_long_element", body: fixed(`config_files = { "config.yaml" = "a: 1", "` + strings.Repeat("n", 300) + `" = "x" }`), want: `has an element of 300 bytes, over the 255-byte limit`},
	{name: "cf_oversize", body: fixed(`config_files = { "config.yaml" = format("%01048577d", 0) }`), want: `is 1048577 bytes, over the 1048576-byte (1 MiB) limit`},
	{name: "cf_nul_in_yaml", body: fixed(`config_files = { "config.yaml" = "name: a\u0000b" }`), want: `config file "config.yaml" contains a NUL byte`},
	// env and secret env keys and values.
	{name: "env_key_with_equals", body: fixed(okFiles + "\n" + `env = { "A=B" = "x" }`), want: `env key "A=B" contains '=' or a NUL byte`},
	{name: "env_key_with_nul", body: fixed(okFiles + "\n" + `env = { "A\u0000B" = "x" }`), want: `contains '=' or a NUL byte`},
	{name: "env_key_empty", body: fixed(okFiles + "\n" + `env = { "" = "x" }`), want: `an env key is empty`},
	{name: "env_key_with_space", body: fixed(okFiles + "\n" + `env = { "MY VAR" = "x" }`), want: `contains spaces or control characters`},
	{name: "env_reserved_workspace_id", body: fixed(okFiles + "\n" + `env = { WORKSPACE_ID = "x" }`), want: `env key "WORKSPACE_ID" is set by the provider itself`},
	{name: "env_reserved_platform_url", body: fixed(okFiles + "\n" + `env = { PLATFORM_URL = "x" }`), want: `env key "PLATFORM_URL" is set by the provider itself`},
	{name: "env_reserved_tier", body: fixed(okFiles + "\n" + `env = { TIER = "4" }`), want: `env key "TIER" is set by the provider itself`},
	{name: "env_reserved_awareness", body: fixed(okFiles + "\n" + `env = { AWARENESS_URL = "x" }`), want: `env key "AWARENESS_URL" is set by the provider itself`},
	{name: "env_reserved_config_path", body: fixed(okFiles + "\n" + `env = { WORKSPACE_CONFIG_PATH = "/tmp" }`), want: `env key "WORKSPACE_CONFIG_PATH" is set by the provider itself`},
	{name: "env_value_with_nul", body: fixed(okFiles + "\n" + `env = { OK = "a\u0000b" }`), want: `env["OK"] contains a NUL byte`},
	{name: "secret_env_reserved", body: fixed(okFiles + "\n" + `secret_env_wo = { MOLECULE_URL = "x" }` + "\nsecret_env_wo_version = 1"), want: `env key "MOLECULE_URL" is set by the provider itself`},
	{name: "secret_env_key_with_equals", body: fixed(okFiles + "\n" + `secret_env_wo = { "K=V" = "x" }` + "\nsecret_env_wo_version = 1"), want: `contains '=' or a NUL byte`},
	{name: "secret_env_also_in_env", body: fixed(okFiles + "\n" + `env = { API_KEY = "a" }` + "\n" + `secret_env_wo = { API_KEY = "b" }` + "\nsecret_env_wo_version = 1"), want: `API_KEY set in both env and secret_env_wo`},
	{name: "secret_env_without_version", body: fixed(okFiles + "\n" + `secret_env_wo = { API_KEY = "b" }`), want: `Attribute "secret_env_wo_version" must be specified when "secret_env_wo" is specified`},
	{name: "platform_token_without_version", body: fixed(okFiles + "\n" + `platform_token_wo = "tok"`), want: `platform_token_wo needs a version`},
	// workspace ids (Docker container-name rules, length).
	{name: "id_empty", id: "", want: `workspace_id is empty`},
	{name: "id_leading_dash", id: "-tfacc-bad", want: `must start with a letter or digit`},
	{name: "id_leading_dot", id: ".tfacc-bad", want: `must start with a letter or digit`},
	{name: "id_leading_underscore", id: "_tfacc-bad", want: `must start with a letter or digit`},
	{name: "id_slash", id: "tfacc/bad", want: `may hold only letters, digits`},
	{name: "id_space", id: "tfacc bad", want: `may hold only letters, digits`},
	{name: "id_colon", id: "tfacc:bad", want: `may hold only letters, digits`},
	{name: "id_non_ascii", id: "tfacc-wörk", want: `may hold only letters, digits`},
	{name: "id_too_long", id: "tfacc" + strings.Repeat("x", 124), want: `workspace_id is 129 characters long; the limit is 128`},
	// tier, access, paths, limits, labels, awareness, ready path.
	{name: "tier_0", body: fixed(okFiles + "\ntier = 0"), want: `tier value must be between 1 and 4, got: 0`},
	{name: "tier_5", body: fixed(okFiles + "\ntier = 5"), want: `tier value must be between 1 and 4, got: 5`},
	{name: "tier_minus_1", body: fixed(okFiles + "\ntier = -1"), want: `tier value must be between 1 and 4, got: -1`},
	{name: "access_upper_case", body: fixed(okFiles + "\n" + `workspace_access = "READ_ONLY"`), want: `workspace_access value must be one of`},
	{name: "access_title_case", body: fixed(okFiles + "\n" + `workspace_access = "Read_Write"`), want: `workspace_access value must be one of`},
	{name: "access_none_capital", body: fixed(okFiles + "\n" + `workspace_access = "None"`), want: `workspace_access value must be one of`},
	{name: "access_abbreviated", body: fixed(okFiles + "\n" + `workspace_access = "rw"`), want: `workspace_access value must be one of`},
	{name: "access_without_path", body: fixed(okFiles + "\n" + `workspace_access = "read_only"`), want: `workspace_access "read_only" needs a host directory: set workspace_path`},
	{name: "tier1_with_workspace_dir", body: func(f badInputFixtures) string {
		return okFiles + fmt.Sprintf("\ntier = 1\nworkspace_path = %q\nworkspace_access = \"read_write\"", f.emptyDir)
	}, want: `Tier 1 has no /workspace`},
	{name: "workspace_path_relative", body: fixed(okFiles + "\n" + `workspace_path = "data/ws"`), want: `"data/ws" is not an absolute path`},
	{name: "template_path_relative", body: fixed(`template_path = "templates/agent"`), want: `"templates/agent" is not an absolute path`},
	{name: "memory_too_small", body: fixed(okFiles + "\nmemory_mb = 4"), want: `memory_mb value must be between 6 and`},
	{name: "cpus_zero", body: fixed(okFiles + "\ncpus = 0"), want: `cpus value must be between 0.010000 and`},
	{name: "label_reserved", body: fixed(okFiles + "\n" + `labels = { "ai.molecule.terraform.managed" = "false" }`), want: `is in the provider's reserved ai.molecule.terraform. namespace`},
	{name: "label_empty_key", body: fixed(okFiles + "\n" + `labels = { "" = "x" }`), want: `a label key is empty`},
	{name: "awareness_half", body: fixed(okFiles + "\n" + `awareness_url = "http://awareness:9000"`), want: `Attribute "awareness_namespace" must be specified when "awareness_url" is specified`},
	{name: "ready_path_relative", body: fixed(okFiles + "\n" + `ready_path = "healthz"`), want: `must be an absolute URL path`},
	{name: "network_bad_name", body: fixed(okFiles + "\n" + `network = "-no such net"`), want: `network name "-no such net" may hold only letters, digits`},
	{name: "image_invalid", body: fixed(okFiles + "\n" + `image = "Not A Ref"`), want: `"Not A Ref" is not a valid image reference`},
}

// planCases pass validation and fail in ModifyPlan, which looks at the host's
// files and asks the engine.
var planCases = []badInput{
	{name: "no_config_yaml_at_all", body: fixed(`env = { A = "b" }`), want: `No config.yaml source`},
	{name: "config_yaml_empty", body: fixed(`config_files = { "config.yaml" = "" }`), want: `a new workspace needs config.yaml`},
	{name: "config_files_without_config_yaml", body: fixed(`config_files = { "other.yaml" = "a: 1" }`), want: `a new workspace needs config.yaml`},
	{name: "cf_file_where_dir_needed", body: fixed(`config_files = { "config.yaml" = "a: 1", "a" = "x", "a/b" = "y" }`), want: `config file "a/b" needs "a" to be a directory`},
	{name: "template_missing", body: fixed(`template_path = "/nonexistent-molecule-template-dir"`), want: `template directory "/nonexistent-molecule-template-dir" does not exist`},
	{name: "template_is_a_file", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.file) }, want: `is a regular file, not a directory`},
	{name: "template_empty", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.emptyDir) }, want: `holds no regular, non-empty config.yaml`},
	{name: "template_without_config_yaml", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.noConfigYAML) }, want: `holds no regular, non-empty config.yaml`},
	{name: "template_config_yaml_is_dir", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.configYAMLIsDir) }, want: `holds no regular, non-empty config.yaml`},
	{name: "template_config_yaml_empty", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.emptyConfigYAML) }, want: `holds no regular, non-empty config.yaml`},
	{name: "template_link_outside", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.outsideLink) }, want: `is absolute and would point outside /configs`},
	{name: "template_oversize_file", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.oversizeFile) }, want: `over the 1048576-byte (1 MiB) limit per file`},
	{name: "template_non_utf8_config", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.nonUTF8Config) }, want: `config file "config.yaml" is not valid UTF-8`},
	{name: "template_nul_in_json", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.nulJSON) }, want: `config file "settings.json" contains a NUL byte`},
	{name: "template_non_utf8_name", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.nonUTF8Name) }, want: `is not valid UTF-8: use a UTF-8 encoded path`},
	{name: "template_fifo", body: func(f badInputFixtures) string { return fmt.Sprintf("template_path = %q", f.fifo) }, want: `only regular files, directories and symlinks can be copied`},
	{name: "workspace_path_missing", body: fixed(okFiles + "\n" + `workspace_path = "/nonexistent-molecule-workspace-dir"`), want: `workspace_path /nonexistent-molecule-workspace-dir does not exist on the engine's host`},
	{name: "workspace_path_is_file", body: func(f badInputFixtures) string { return okFiles + fmt.Sprintf("\nworkspace_path = %q", f.file) }, want: `is a regular file, not a directory`},
	{name: "workspace_path_host_root", body: fixed(okFiles + "\n" + `workspace_path = "/"`), want: `it is the host's root directory`},
	{name: "workspace_path_etc", body: fixed(okFiles + "\n" + `workspace_path = "/etc"`), want: `inside the host's system directory /etc`},
	{name: "workspace_path_docker_socket_dir", body: fixed(okFiles + "\n" + `workspace_path = "/var/run"`), want: `holds the Docker socket`},
	{name: "runtime_unknown", body: fixed(okFiles + "\n" + `runtime = "cobol"`), want: `runtime "cobol" is not known`},
	{name: "runtime_wrong_case", body: fixed(okFiles + "\n" + `runtime = "LangGraph"`), want: `runtime "LangGraph" is not known`},
	{name: "tier_3_without_opt_in", body: fixed(okFiles + "\ntier = 3"), want: `tier 3 runs privileged with host access; set allow_privileged_tiers = true`},
	{name: "tier_4_without_opt_in", body: fixed(okFiles + "\ntier = 4"), want: `tier 4 runs privileged with host access; set allow_privileged_tiers = true`},
	{name: "image_missing", body: fixed(okFiles + "\n" + `image = "molecule-tf-standin:no-such-tag"` + "\n" + `image_pull = "never"`), want: `image "molecule-tf-standin:no-such-tag" is not present on the Docker engine and image_pull is "never"`},
	{name: "network_missing", body: fixed(okFiles + "\n" + `network = "molecule-no-such-network"`), want: `network "molecule-no-such-network" does not exist`},
}

// TestAccBadInput_refusedAtPlan runs terraform plan on configurations that
// each hold one mistake per resource, and checks that every resource gets
// its own specific diagnostic: what is wrong and how to fix it. Validation
// errors stop terraform before planning, so the two groups run separately
// (two terraform runs instead of one per case keep this fast).
func TestAccBadInput_refusedAtPlan(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	fixtures := makeBadInputFixtures(t)
	total := 0
	for group, cases := range map[string][]badInput{"validation": validationCases, "plan": planCases} {
		t.Run(group, func(t *testing.T) {
			wd := acctest.NewWorkdir(t)
			var hcl strings.Builder
			hcl.WriteString(acctest.ProviderConfig())
			for _, c := range cases {
				hcl.WriteString(c.resource(fixtures))
			}
			wd.SetConfig(hcl.String())
			r := wd.Run("plan")
			if r.Err == nil {
				t.Fatalf("plan succeeded on %d bad configurations:\n%s", len(cases), r.Output())
			}
			diags := diagnosticsByResource(r.Output())
			for _, c := range cases {
				got := diags[c.name]
				if len(got) == 0 {
					t.Errorf("%s: no diagnostic (want %q)", c.name, c.want)
					continue
				}
				if !slices.ContainsFunc(got, acctest.MessageRegexp(c.want).MatchString) {
					t.Errorf("%s: want a diagnostic containing %q, got:\n  %s", c.name, c.want, strings.Join(got, "\n  "))
				}
			}
			for name := range diags {
				if !hasCase(cases, name) {
					t.Errorf("diagnostic for unexpected resource %s: %v", name, diags[name])
				}
			}
		})
		total += len(cases)
	}
	t.Logf("%d bad configurations refused at plan, each with its own diagnostic", total)
}

// TestAccBadInput_duplicateWorkspaceIDs plans two resources with the same
// workspace id and two whose ids share the 12-character prefix that names
// their Docker objects: the second of each pair is refused at plan.
func TestAccBadInput_duplicateWorkspaceIDs(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	same := acctest.RandomID("dup")
	prefix := acctest.RandomID("pfx")[:12]
	wd := acctest.NewWorkdir(t)
	body := `config_files = { "config.yaml" = "name: dup\n" }`
	wd.SetConfig(acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "same_a" {
  workspace_id = %[1]q
  %[3]s
}
resource "molecule_workspace" "same_b" {
  workspace_id = %[1]q
  %[3]s
}
resource "molecule_workspace" "prefix_a" {
  workspace_id = "%[2]s-alpha"
  %[3]s
}
resource "molecule_workspace" "prefix_b" {
  workspace_id = "%[2]s-beta"
  %[3]s
}
`, same, prefix, body))
	r := wd.Run("plan")
	if r.Err == nil {
		t.Fatalf("plan accepted colliding workspace ids:\n%s", r.Output())
	}
	for _, want := range []string{
		fmt.Sprintf(`two molecule_workspace resources in this configuration use workspace_id %q`, same),
		fmt.Sprintf(`share their first 12 characters, so both would be named ws-%s`, prefix),
	} {
		if !acctest.MessageRegexp(want).MatchString(r.Output()) {
			t.Errorf("plan output lacks %q:\n%s", want, r.Output())
		}
	}
	if n := strings.Count(r.Output(), "Workspace ids collide"); n != 2 {
		t.Errorf("want exactly 2 collision errors (one per pair), got %d:\n%s", n, r.Output())
	}
}

func (c badInput) resource(f badInputFixtures) string {
	id := c.id
	if id == "" && !strings.HasPrefix(c.name, "id_") {
		id = acctest.RandomID("bad")
	}
	body := okFiles
	if c.body != nil {
		body = c.body(f)
	}
	return fmt.Sprintf("\nresource \"molecule_workspace\" %q {\n  workspace_id = %q\n  %s\n}\n", c.name, id, strings.ReplaceAll(body, "\n", "\n  "))
}

func hasCase(cases []badInput, name string) bool {
	for _, c := range cases {
		if c.name == name {
			return true
		}
	}
	return false
}

var diagHeader = regexp.MustCompile(`(?m)^(?:│ )?(Error|Warning): `)
var diagSubject = regexp.MustCompile(`with molecule_workspace\.([a-z0-9_]+)`)

// diagnosticsByResource splits terraform's output into error diagnostics
// and groups their text by resource name.
func diagnosticsByResource(out string) map[string][]string {
	byResource := map[string][]string{}
	locs := diagHeader.FindAllStringSubmatchIndex(out, -1)
	for i, loc := range locs {
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if out[loc[2]:loc[3]] != "Error" {
			continue
		}
		block := out[loc[0]:end]
		if m := diagSubject.FindStringSubmatch(block); m != nil {
			byResource[m[1]] = append(byResource[m[1]], block)
		}
	}
	return byResource
}

// makeBadInputFixtures lays out the host files the path cases point at.
func makeBadInputFixtures(t *testing.T) badInputFixtures {
	t.Helper()
	f := badInputFixtures{
		file:            filepath.Join(acctest.Template(t, map[string]string{"file.txt": "x"}), "file.txt"),
		emptyDir:        acctest.Template(t, nil),
		noConfigYAML:    acctest.Template(t, map[string]string{"prompts/system.md": "hi"}),
		configYAMLIsDir: acctest.Template(t, map[string]string{"config.yaml/inner.txt": "x"}),
		emptyConfigYAML: acctest.Template(t, map[string]string{"config.yaml": ""}),
		outsideLink:     acctest.Template(t, map[string]string{"config.yaml": "name: x\n"}),
		oversizeFile:    acctest.Template(t, map[string]string{"config.yaml": "name: x\n", "big.bin": strings.Repeat("x", 1<<20+1)}),
		nonUTF8Config:   acctest.Template(t, map[string]string{"config.yaml": "name: \xff\xfe\n"}),
		nulJSON:         acctest.Template(t, map[string]string{"config.yaml": "name: x\n", "settings.json": "{\"a\": \"\x00\"}"}),
		nonUTF8Name:     acctest.Template(t, map[string]string{"config.yaml": "name: x\n", "bad\xffname.txt": "x"}),
		fifo:            acctest.Template(t, map[string]string{"config.yaml": "name: x\n"}),
		goodTemplate:    acctest.Template(t, map[string]string{"config.yaml": "name: x\n"}),
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(f.outsideLink, "passwd")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(f.fifo, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

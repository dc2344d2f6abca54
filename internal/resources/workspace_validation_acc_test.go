// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// validationCase is a configuration that must fail at plan, before anything
// is created, with an error naming what to change.
type validationCase struct {
	name   string
	config func(id string) string
	want   *regexp.Regexp
}

// runValidationCases plans each case (plan only) and checks its error, and
// that the engine holds nothing for its workspace id afterwards.
func runValidationCases(t *testing.T, cases []validationCase) {
	cli := acctest.Docker(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := acctest.RandomID("invalid")
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             acctest.CheckNothingLeft(cli, id),
				Steps: []resource.TestStep{{
					Config:      c.config(id),
					PlanOnly:    true,
					ExpectError: c.want,
				}},
			})
			if err := acctest.NothingLeft(cli, id); err != nil {
				t.Errorf("a configuration rejected at plan left something behind: %v", err)
			}
		})
	}
}

// invalidWorkspace is a provider block plus one workspace with config.yaml
// and the given extra lines.
func invalidWorkspace(lines ...string) func(id string) string {
	return func(id string) string {
		return acctest.ProviderConfig() + workspaceHCL("test", id, append([]string{configYAMLLine("invalid")}, lines...)...)
	}
}

// configFiles is a provider block plus one workspace with the given config_files.
func configFiles(hcl string) func(id string) string {
	return func(id string) string {
		return acctest.ProviderConfig() + workspaceHCL("test", id, "config_files = "+hcl)
	}
}

func TestAccWorkspaceValidation_access(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"read_only without path", invalidWorkspace(`workspace_access = "read_only"`),
			acctest.MessageRegexp(`workspace_access "read_only" needs a host directory: set workspace_path`)},
		{"read_write without path", invalidWorkspace(`workspace_access = "read_write"`),
			acctest.MessageRegexp(`workspace_access "read_write" needs a host directory: set workspace_path`)},
		{"unknown access", invalidWorkspace(`workspace_access = "rw"`, `workspace_path = "/tmp"`),
			acctest.MessageRegexp(`workspace_access value must be one of:`, `"none" "read_only" "read_write"`, `got: "rw"`)},
		{"relative workspace_path", invalidWorkspace(`workspace_path = "relative/dir"`),
			acctest.MessageRegexp(`"relative/dir" is not an absolute path: give the full host path`)},
		{"tier 1 with read_only", invalidWorkspace("tier = 1", `workspace_access = "read_only"`, `workspace_path = "/tmp"`),
			acctest.MessageRegexp("Tier 1 has no /workspace", `workspace_access "read_only" cannot be honoured`)},
	})
}

func TestAccWorkspaceValidation_configSource(t *testing.T) {
	noConfigTemplate := acctest.Template(t, map[string]string{"prompts/system.md": "be brief\n"})
	runValidationCases(t, []validationCase{
		{"no config source", func(id string) string {
			return acctest.ProviderConfig() + workspaceHCL("test", id)
		}, acctest.MessageRegexp("No config.yaml source", `a new workspace needs config.yaml: set template_path`)},
		{"template without config.yaml", func(id string) string {
			return acctest.ProviderConfig() + workspaceHCL("test", id, fmt.Sprintf("template_path = %q", noConfigTemplate))
		}, acctest.MessageRegexp("template_path " + noConfigTemplate + " holds no regular, non-empty config.yaml")},
		{"config_files key with ..", configFiles(`{ "config.yaml" = "name: x", "../escape.yaml" = "x" }`),
			acctest.MessageRegexp(`config file key "../escape.yaml" must stay inside /configs: remove the ".." element`)},
		{"absolute config_files key", configFiles(`{ "config.yaml" = "name: x", "/etc/passwd" = "x" }`),
			acctest.MessageRegexp(`config file key "/etc/passwd" must be relative to /configs`)},
	})
}

func TestAccWorkspaceValidation_runtimeAndTier(t *testing.T) {
	known := make([]string, 0, len(workspace.KnownRuntimes()))
	for _, rt := range workspace.KnownRuntimes() {
		known = append(known, "`"+rt+"`")
	}
	runValidationCases(t, []validationCase{
		{"unknown runtime", invalidWorkspace(`runtime = "nope"`),
			acctest.MessageRegexp(`runtime "nope" is not known: use one of `+strings.Join(known, ", "), "or add it to the provider's runtime_images")},
		{"tier 0", invalidWorkspace("tier = 0"), acctest.MessageRegexp("tier value must be between 1 and 4, got: 0")},
		{"tier 5", invalidWorkspace("tier = 5"), acctest.MessageRegexp("tier value must be between 1 and 4, got: 5")},
		{"tier 3 not allowed", invalidWorkspace("tier = 3"),
			acctest.MessageRegexp("tier 3 runs privileged with host access; set allow_privileged_tiers = true on the provider")},
		{"tier 4 not allowed", invalidWorkspace("tier = 4"),
			acctest.MessageRegexp("tier 4 runs privileged with host access; set allow_privileged_tiers = true on the provider")},
	})
}

func TestAccWorkspaceValidation_envAndAwareness(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"awareness url only", invalidWorkspace(`awareness_url = "http://aw.invalid"`),
			acctest.MessageRegexp("Invalid Attribute Combination", `Attribute "awareness_namespace" must be specified when "awareness_url" is specified`)},
		{"awareness namespace only", invalidWorkspace(`awareness_namespace = "team"`),
			acctest.MessageRegexp("Invalid Attribute Combination", `Attribute "awareness_url" must be specified when "awareness_namespace" is specified`)},
		{"reserved env key", invalidWorkspace(`env = { WORKSPACE_ID = "spoof" }`),
			acctest.MessageRegexp(`env key "WORKSPACE_ID" is set by the provider itself`)},
	})
}

// Checks that need the engine: image, network, container name.
func TestAccWorkspaceValidation_engine(t *testing.T) {
	missingTag := acctest.VariantImagePrefix + ":missing-" + strings.ToLower(acctest.RandomID("img"))
	runValidationCases(t, []validationCase{
		{"missing runtime image", func(id string) string {
			return fmt.Sprintf("provider \"molecule\" {\n  network = %q\n  image_pull = \"never\"\n  runtime_images = { langgraph = %q }\n}\n", acctest.Network, missingTag) +
				workspaceHCL("test", id, configYAMLLine("invalid"))
		}, acctest.MessageRegexp("Image not found", `image "`+missingTag+`" is not present on the Docker engine and image_pull is "never"`)},
		{"missing network", invalidWorkspace(`network = "tfacc-no-such-network"`),
			acctest.MessageRegexp("Network not found", `network "tfacc-no-such-network" does not exist`)},
		{"ids sharing a prefix", func(id string) string {
			return acctest.ProviderConfig() + workspaceHCL("a", id, configYAMLLine("a")) +
				workspaceHCL("b", workspace.ShortID(id)+"-twin", configYAMLLine("b"))
		}, acctest.MessageRegexp("Workspace ids collide", "share their first 12 characters")},
	})
}

// A container of somebody else's holding the name fails the plan, and is
// left exactly as it was.
func TestAccWorkspaceValidation_nameTakenByForeignContainer(t *testing.T) {
	id := acctest.RandomID("foreign")
	cli := acctest.Docker(t)
	foreign := acctest.CreateForeignContainer(t, cli, workspace.ContainerName(id))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:   acctest.ProviderConfig() + workspaceHCL("test", id, configYAMLLine("foreign")),
			PlanOnly: true,
			ExpectError: acctest.MessageRegexp("Container name taken",
				"container name "+workspace.ContainerName(id)+" is taken by a container this provider does not manage"),
		}},
	})
	after, err := cli.ContainerInspect(t.Context(), foreign.ID)
	switch {
	case err != nil:
		t.Fatalf("the foreign container is gone: %v", err)
	case after.State.Status != foreign.State.Status || after.Created != foreign.Created || !maps.Equal(after.Config.Labels, foreign.Config.Labels) || workspace.IsOwned(after.Config.Labels, ""):
		t.Errorf("the foreign container was touched: status %q -> %q, labels %v", foreign.State.Status, after.State.Status, after.Config.Labels)
	}
	if exists, _, _ := acctest.VolumeExists(cli, workspace.ConfigVolumeName(id)); exists {
		t.Errorf("a volume was created for the rejected workspace")
	}
}

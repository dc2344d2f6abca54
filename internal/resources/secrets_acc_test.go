// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// secretWorkspaceConfig is a workspace with a sensitive env value and
// write-only secret env. The secret comes from an ephemeral variable, as in
// real use: a literal in the configuration would be copied into saved plans
// by Terraform itself.
func secretWorkspaceConfig(id, envValue string, version int) string {
	return acctest.ProviderConfig() + `
variable "api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
` + secretWorkspace(id, envValue, "var.api_key", version)
}

// literalSecretConfig writes the secret into the configuration.
func literalSecretConfig(id, envValue, secret string, version int) string {
	return acctest.ProviderConfig() + secretWorkspace(id, envValue, fmt.Sprintf("%q", secret), version)
}

func secretWorkspace(id, envValue, secretExpr string, version int) string {
	return fmt.Sprintf(`
resource "molecule_workspace" "secret" {
  workspace_id          = %q
  config_files          = { "config.yaml" = %q }
  env                   = { MY_SETTING = %q }
  secret_env_wo         = { API_KEY = %s }
  secret_env_wo_version = %d
}
`, id, acctest.MinimalConfigYAML("secret"), envValue, secretExpr, version)
}

// TestAccSecrets_writeOnlyEnvNeverStoredOrLogged applies a workspace with a
// sensitive env value and a write-only secret through the real terraform
// binary at TF_LOG=TRACE (terraform, framework and provider logs together),
// and checks that: the secret reaches the container (Docker env and the
// agent's own /env), it is in neither the state file nor the saved plan,
// neither value appears in any log or output; an unchanged version plans no
// change even when the secret changes, and a new version replaces the
// container with the new secret, again without leaking it.
func TestAccSecrets_writeOnlyEnvNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	cli := acctest.Docker(t)
	id := acctest.RandomID("secret")
	envValue := "env-value-" + acctest.RandomID("e")
	secret1 := "sk-first-" + acctest.RandomID("s")
	secret2 := "sk-second-" + acctest.RandomID("s")
	wd := acctest.NewWorkdir(t)
	t.Cleanup(func() { // runs after the destroy below
		if err := acctest.NothingLeft(cli, id); err != nil {
			t.Error(err)
		}
	})
	wd.DestroyOnCleanup()
	logFile := filepath.Join(t.TempDir(), "terraform-trace.log")
	wd.Setenv("TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	secrets := []string{envValue, secret1, secret2}

	wd.Setenv("TF_VAR_api_key=" + secret1)
	wd.SetConfig(secretWorkspaceConfig(id, envValue, 1))
	planOut := wd.MustRun("plan", "-out=tfplan")
	shown := wd.MustRun("show", "-json", "tfplan")
	applied := wd.MustRun("apply", "tfplan")
	expectAbsent(t, "saved plan (terraform show -json)", shown.Stdout, secret1)
	for _, r := range []acctest.TFResult{planOut, applied} {
		expectAbsent(t, "terraform output", r.Output(), secrets...)
	}

	info := acctest.MustInspect(t, cli, id)
	firstContainer := info.ID
	expectEnv(t, info.Config.Env, "API_KEY", secret1)
	expectEnv(t, info.Config.Env, "MY_SETTING", envValue)
	if got := info.Config.Labels[workspace.LabelSecretEnvKeys]; got != "API_KEY" {
		t.Errorf("label %s = %q, want API_KEY", workspace.LabelSecretEnvKeys, got)
	}
	if got := info.Config.Labels[workspace.LabelEnvKeys]; got != "MY_SETTING" {
		t.Errorf("label %s = %q, want only MY_SETTING (secret keys are kept apart)", workspace.LabelEnvKeys, got)
	}
	expectAgentSees(t, wd, "API_KEY", secret1)

	state := wd.StateFile()
	expectAbsent(t, "terraform.tfstate", state, secret1, secret2)
	if !strings.Contains(state, envValue) {
		t.Error("sanity check: env (sensitive, not write-only) is stored in the state, so the search must find it there")
	}
	inst := singleWorkspace(t, wd)
	if v, present := inst.Attributes["secret_env_wo"]; !present || v != nil {
		t.Errorf("state secret_env_wo = %v (present %t), want null", v, present)
	}
	if v := inst.Attributes["secret_env_wo_version"]; fmt.Sprint(v) != "1" {
		t.Errorf("state secret_env_wo_version = %v, want 1", v)
	}

	// A new secret under the same version: nothing to do (write-only values
	// are not compared), exactly as documented.
	wd.Setenv("TF_VAR_api_key=" + secret2)
	expectPlanExitCode(t, wd, 0)

	// A new version rolls the secret out by replacing the container.
	wd.SetConfig(secretWorkspaceConfig(id, envValue, 2))
	applied = wd.MustRun("apply", "-auto-approve")
	expectAbsent(t, "terraform output", applied.Output(), secrets...)
	info = acctest.MustInspect(t, cli, id)
	if info.ID == firstContainer {
		t.Errorf("a new secret_env_wo_version must replace the container; it is still %.12s", info.ID)
	}
	expectEnv(t, info.Config.Env, "API_KEY", secret2)
	expectAgentSees(t, wd, "API_KEY", secret2)
	expectAbsent(t, "terraform.tfstate", wd.StateFile(), secret1, secret2)
	expectPlanExitCode(t, wd, 0)

	logs, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("TF_LOG_PATH was not written: %v", err)
	}
	if !strings.Contains(string(logs), "[TRACE]") || !strings.Contains(string(logs), "provider.terraform-provider-molecule") {
		t.Fatalf("the trace log lacks TRACE lines from the provider; the test would prove nothing (%d bytes)", len(logs))
	}
	expectAbsent(t, "TF_LOG=TRACE log", string(logs), secrets...)
}

// TestAccSecrets_importKeepsSecretVersion imports a workspace created with
// write-only env: the version comes back from its label, the secret does not.
func TestAccSecrets_importKeepsSecretVersion(t *testing.T) {
	id := acctest.RandomID("wover")
	cli := acctest.Docker(t)
	secret := "sk-import-" + acctest.RandomID("s")
	cfg := literalSecretConfig(id, "plain-setting", secret, 7)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					env := acctest.MustInspect(t, cli, id).Config.Env
					for _, e := range env {
						if e == "API_KEY="+secret {
							return nil
						}
					}
					return fmt.Errorf("API_KEY did not reach the container: %v", envKeys(env))
				},
			},
			{
				ResourceName:                         "molecule_workspace.secret",
				ImportState:                          true,
				ImportStateId:                        id,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore:              []string{"config_files", "timeouts"},
			},
		},
	})
}

// TestAccSecrets_privilegedTiersNeedOptIn plans tiers 3 and 4: refused
// without allow_privileged_tiers, and with it the plan warns about the host
// access the workspace gets.
func TestAccSecrets_privilegedTiersNeedOptIn(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	wd := acctest.NewWorkdir(t)
	workspaces := ""
	for _, tier := range []int{3, 4} {
		workspaces += fmt.Sprintf(`
resource "molecule_workspace" "tier%d" {
  workspace_id = %q
  tier         = %d
  config_files = { "config.yaml" = "name: privileged\n" }
}
`, tier, acctest.RandomID(fmt.Sprintf("tier%d", tier)), tier)
	}
	wd.SetConfig(acctest.ProviderConfig() + workspaces)
	refused := wd.Run("plan")
	if refused.Err == nil {
		t.Fatalf("tiers 3 and 4 were planned without allow_privileged_tiers:\n%s", refused)
	}
	for _, tier := range []string{"3", "4"} {
		want := acctest.MessageRegexp("Tier not allowed", "tier "+tier+" runs privileged with host access; set allow_privileged_tiers = true")
		if !want.MatchString(refused.Output()) {
			t.Errorf("no refusal for tier %s:\n%s", tier, refused.Output())
		}
	}

	wd.SetConfig(acctest.ProviderConfig("allow_privileged_tiers = true") + workspaces)
	allowed := wd.MustRun("plan")
	for _, want := range []string{
		`Warning: Tier 3 workspace gets host access`,
		`Warning: Tier 4 workspace gets host access`,
		`the Docker socket`,
	} {
		if !strings.Contains(allowed.Output(), want) {
			t.Errorf("plan output lacks %q:\n%s", want, allowed.Output())
		}
	}
}

// TestAccSecrets_configFileModes checks the modes in /configs: credentials
// (from config_files or from a world-readable template file) 0600, other
// files 0644 or their template mode, directories 0755, all owned by the
// agent's uid 1000.
func TestAccSecrets_configFileModes(t *testing.T) {
	id := acctest.RandomID("modes")
	cli := acctest.Docker(t)
	tmpl := acctest.Template(t, map[string]string{
		"config.yaml":       acctest.MinimalConfigYAML("modes"),
		"credentials.json":  `{"key": "template-secret"}`,
		"prompts/system.md": "be brief\n",
	})
	if err := os.Chmod(filepath.Join(tmpl, "credentials.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "modes" {
  workspace_id  = %q
  template_path = %q
  config_files  = {
    ".auth_token"       = "token-from-config"
    "keys/service.pem"  = "pem"
    "settings/app.yaml" = "a: 1\n"
  }
}
`, id, tmpl)
	want := map[string]int64{
		"configs/config.yaml":       0o644,
		"configs/credentials.json":  0o600,
		"configs/prompts/system.md": 0o644,
		"configs/.auth_token":       0o600,
		"configs/keys/service.pem":  0o600,
		"configs/keys/":             0o755,
		"configs/settings/app.yaml": 0o644,
		"configs/settings/":         0o755,
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				rc, _, err := cli.CopyFromContainer(context.Background(), workspace.ContainerName(id), "/configs")
				if err != nil {
					return err
				}
				defer rc.Close()
				tr := tar.NewReader(rc)
				seen := map[string]bool{}
				for {
					hdr, err := tr.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return err
					}
					mode, ok := want[hdr.Name]
					if !ok {
						continue
					}
					seen[hdr.Name] = true
					if got := hdr.Mode & 0o777; got != mode {
						return fmt.Errorf("/%s has mode %#o, want %#o", hdr.Name, got, mode)
					}
					if hdr.Uid != workspace.ConfigOwnerUID {
						return fmt.Errorf("/%s is owned by uid %d, want %d", hdr.Name, hdr.Uid, workspace.ConfigOwnerUID)
					}
				}
				for name := range want {
					if !seen[name] {
						return fmt.Errorf("/%s missing from /configs", name)
					}
				}
				return nil
			},
		}},
	})
}

// singleWorkspace returns the state's only molecule_workspace.
func singleWorkspace(t *testing.T, wd *acctest.Workdir) acctest.StateInstance {
	t.Helper()
	insts := wd.StateInstances("molecule_workspace")
	if len(insts) != 1 {
		t.Fatalf("state holds %d workspaces, want 1", len(insts))
	}
	return insts[0]
}

// expectAgentSees asks the stand-in agent which value it got for key.
func expectAgentSees(t *testing.T, wd *acctest.Workdir, key, want string) {
	t.Helper()
	url := singleWorkspace(t, wd).String("host_url")
	code, body, err := acctest.HTTPGet(url + "/env?key=" + key)
	if err != nil || code != 200 {
		t.Fatalf("asking the agent for %s at %s: %d %v", key, url, code, err)
	}
	if !strings.Contains(body, want) {
		t.Errorf("the agent does not see the expected %s (answer is %d bytes)", key, len(body))
	}
}

// expectEnv checks one variable of a container's environment.
func expectEnv(t *testing.T, env []string, key, want string) {
	t.Helper()
	for _, e := range env {
		if k, v, _ := strings.Cut(e, "="); k == key {
			if v != want {
				t.Errorf("container env %s has another value than configured", key)
			}
			return
		}
	}
	t.Errorf("container env lacks %s (keys: %v)", key, envKeys(env))
}

func envKeys(env []string) []string {
	keys := make([]string, len(env))
	for i, e := range env {
		keys[i], _, _ = strings.Cut(e, "=")
	}
	return keys
}

// expectAbsent fails when any secret occurs in text; it never prints them.
func expectAbsent(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if n := strings.Count(text, s); n > 0 {
			t.Errorf("secret #%d appears %d time(s) in the %s", i+1, n, where)
		}
	}
}

// expectPlanExitCode runs terraform plan -detailed-exitcode: 0 no changes, 2 changes.
func expectPlanExitCode(t *testing.T, wd *acctest.Workdir, want int) {
	t.Helper()
	r := wd.Run("plan", "-detailed-exitcode")
	code := 0
	var exit *exec.ExitError
	if errors.As(r.Err, &exit) {
		code = exit.ExitCode()
	} else if r.Err != nil {
		t.Fatalf("%s", r)
	}
	if code != want {
		t.Errorf("plan exit code %d, want %d:\n%s", code, want, r.Output())
	}
}

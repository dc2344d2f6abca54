// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// templateEntry is one entry of a test template: a file with content and
// mode, a directory with mode, or a symlink with its target.
type templateEntry struct {
	content string
	mode    os.FileMode
	dir     bool
	link    string
}

// writeTemplate lays out entries under a new directory with exact modes
// (chmod after create, so the umask does not interfere).
func writeTemplate(t *testing.T, entries map[string]templateEntry) string {
	t.Helper()
	root := t.TempDir()
	for rel, e := range entries {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case e.link != "":
			err = os.Symlink(e.link, p)
		case e.dir:
			if err = os.MkdirAll(p, 0o755); err == nil {
				err = os.Chmod(p, e.mode)
			}
		default:
			if err = os.WriteFile(p, []byte(e.content), 0o600); err == nil {
				err = os.Chmod(p, e.mode)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func allBytes() string {
	var b strings.Builder
	for i := 0; i < 1024; i++ {
		b.WriteByte(byte(i))
	}
	return b.String()
}

// The template is copied byte for byte: CRLF and binary files, modes,
// directories, and symlinks kept as symlinks. config_sha256 tracks every file
// and link, and an edit on the host side shows as an in-place update that
// rewrites the file and restarts the container.
func TestAccWorkspace_templateCopiedByteForByte(t *testing.T) {
	id := acctest.RandomID("tpl")
	cli := acctest.Docker(t)
	entries := map[string]templateEntry{
		"config.yaml":       {content: acctest.MinimalConfigYAML("tpl"), mode: 0o644},
		"windows.txt":       {content: "line one\r\nline two\r\n\r\n", mode: 0o644},
		"run.sh":            {content: "#!/bin/sh\r\necho hi\r\n", mode: 0o755},
		"blob.bin":          {content: allBytes(), mode: 0o600},
		"empty.txt":         {content: "", mode: 0o644},
		"prompts":           {dir: true, mode: 0o750},
		"prompts/system.md": {content: "# System\n\nBe brief.\n", mode: 0o640},
		"prompts/up.txt":    {link: "../windows.txt"},
		"current.yaml":      {link: "config.yaml"},
		"prompts-dir":       {link: "prompts"},
	}
	dir := writeTemplate(t, entries)
	cfg := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  template_path = %q\n}\n", id, dir)
	var startedBefore time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					expectConfigsMatch(cli, id, entries),
					resource.TestCheckResourceAttr("molecule_workspace.test", "config_sha256.%", "9"),
					resource.TestCheckResourceAttr("molecule_workspace.test", "config_sha256.windows.txt", workspace.HashContent([]byte(entries["windows.txt"].content))),
					resource.TestCheckResourceAttr("molecule_workspace.test", "config_sha256.current.yaml", "symlink:config.yaml"),
					// The agent reads through the symlink inside the container.
					func(*terraform.State) error {
						status, body, err := acctest.AgentGet(cli, id, "/files?path=/configs/prompts-dir/system.md")
						if err != nil || status != 200 || body != entries["prompts/system.md"].content {
							return fmt.Errorf("reading through the directory symlink: status %d, %v, %q", status, err, body)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					var err error
					if startedBefore, err = acctest.ContainerStartedAt(cli, id); err != nil {
						t.Fatal(err)
					}
					e := entries["windows.txt"]
					e.content = "edited\r\non the host\r\n"
					entries["windows.txt"] = e
					if err := os.WriteFile(filepath.Join(dir, "windows.txt"), []byte(e.content), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectConfigsMatch(cli, id, entries),
					func(*terraform.State) error { return acctest.ExpectRestartedSince(cli, id, startedBefore) },
				),
			},
		},
	})
}

// expectConfigsMatch reads /configs back through the archive API and
// compares every template entry: type, bytes, mode, link target, owner.
func expectConfigsMatch(cli *client.Client, id string, want map[string]templateEntry) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := acctest.ReadConfigs(cli, id)
		if err != nil {
			return err
		}
		var problems []string
		for rel, w := range want {
			g, ok := got[rel]
			switch {
			case !ok:
				problems = append(problems, rel+": missing")
			case w.link != "":
				if g.Type != tar.TypeSymlink || g.Linkname != w.link {
					problems = append(problems, fmt.Sprintf("%s: want symlink -> %s, got type %c -> %q", rel, w.link, g.Type, g.Linkname))
				}
			case w.dir:
				if g.Type != tar.TypeDir || g.Mode != int64(w.mode) {
					problems = append(problems, fmt.Sprintf("%s: want directory %o, got type %c mode %o", rel, w.mode, g.Type, g.Mode))
				}
			default:
				if g.Type != tar.TypeReg || !bytes.Equal(g.Content, []byte(w.content)) || g.Mode != int64(w.mode) {
					problems = append(problems, fmt.Sprintf("%s: want file %o of %d bytes, got type %c mode %o, %d bytes %q",
						rel, w.mode, len(w.content), g.Type, g.Mode, len(g.Content), truncate(g.Content)))
				}
			}
			if ok && w.link == "" && (g.UID != workspace.ConfigOwnerUID || g.GID != workspace.ConfigOwnerGID) {
				problems = append(problems, fmt.Sprintf("%s: owned by %d:%d, want %d:%d", rel, g.UID, g.GID, workspace.ConfigOwnerUID, workspace.ConfigOwnerGID))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("/configs of %s differs from the template:\n  %s", id, strings.Join(problems, "\n  "))
		}
		return nil
	}
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// A config file edited inside the container (docker cp), a managed file
// deleted from the volume, and config.yaml deleted from the volume each
// show as an in-place update, which rewrites the file and restarts the
// container. Files the agent adds to /configs itself are not drift.
func TestAccWorkspace_configFilesChangedOutsideAreRepaired(t *testing.T) {
	id := acctest.RandomID("files")
	cli := acctest.Docker(t)
	configYAML := acctest.MinimalConfigYAML("files")
	prompt := "# System prompt\r\nBe brief.\r\n"
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "test" {
  workspace_id = %q
  config_files = {
    "config.yaml"       = %q
    "prompts/system.md" = %q
  }
}
`, id, configYAML, prompt)
	var startedBefore time.Time
	rememberStart := func() {
		var err error
		if startedBefore, err = acctest.ContainerStartedAt(cli, id); err != nil {
			t.Fatal(err)
		}
	}
	repaired := resource.ComposeTestCheckFunc(
		expectConfigFile(cli, id, "config.yaml", configYAML),
		expectConfigFile(cli, id, "prompts/system.md", prompt),
		func(*terraform.State) error { return acctest.ExpectRestartedSince(cli, id, startedBefore) },
		acctest.ExpectServing(cli, id),
	)
	update := resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  expectConfigFile(cli, id, "prompts/system.md", prompt),
			},
			{
				// Edited through the archive API, and a file of the agent's own.
				PreConfig: func() {
					rememberStart()
					if err := acctest.WriteConfigFile(cli, id, "config.yaml", []byte(configYAML+"model: edited-by-hand\n")); err != nil {
						t.Fatal(err)
					}
					if err := acctest.WriteConfigFile(cli, id, "agent-notes.txt", []byte("written by the agent\n")); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(repaired,
					expectConfigFile(cli, id, "agent-notes.txt", "written by the agent\n")),
			},
			{
				PreConfig: func() {
					rememberStart()
					acctest.DeleteConfigPaths(t, cli, id, "prompts/system.md")
				},
				Config:           cfg,
				ConfigPlanChecks: update,
				Check:            repaired,
			},
			{
				PreConfig: func() {
					rememberStart()
					acctest.DeleteConfigPaths(t, cli, id, "config.yaml")
				},
				Config:           cfg,
				ConfigPlanChecks: update,
				Check:            repaired,
			},
		},
	})
}

// expectConfigFile checks one file of /configs through the archive API.
func expectConfigFile(cli *client.Client, id, rel, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := acctest.ReadConfigs(cli, id)
		if err != nil {
			return err
		}
		if e, ok := got[rel]; !ok || string(e.Content) != want {
			return fmt.Errorf("/configs/%s of %s: want %q, got %q (present: %t)", rel, id, want, e.Content, ok)
		}
		return nil
	}
}

// Issue #17: a config volume that lost config.yaml, with no source for it in
// the configuration, fails the plan naming the volume, both while the
// container exists and after it was removed (the volume is then looked into
// without starting anything). Giving a source again repairs it.
func TestAccWorkspace_lostConfigYAMLWithoutSourceFailsPlan(t *testing.T) {
	id := acctest.RandomID("lost")
	cli := acctest.Docker(t)
	volume := workspace.ConfigVolumeName(id)
	withSource := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n}\n", id, acctest.MinimalConfigYAML("lost"))
	withoutSource := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n}\n", id)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{Config: withSource},
			{
				// Dropping the source is fine while the volume holds config.yaml.
				Config: withoutSource,
				Check:  acctest.ExpectServing(cli, id),
			},
			{
				PreConfig: func() { acctest.DeleteConfigPaths(t, cli, id, "config.yaml") },
				Config:    withoutSource,
				PlanOnly:  true,
				ExpectError: acctest.MessageRegexp("config.yaml is gone", "config volume "+volume+" no longer holds config.yaml",
					"Set template_path", `config_files["config.yaml"]`),
			},
			{
				PreConfig: func() {
					// The failed plan touched nothing: the agent still runs.
					if info := acctest.MustInspect(t, cli, id); !info.State.Running {
						t.Fatalf("the failed plan should have left the agent running, state %+v", info.State)
					}
					acctest.RemoveWorkspaceContainer(t, cli, id)
				},
				Config:   withoutSource,
				PlanOnly: true,
				ExpectError: acctest.MessageRegexp("config.yaml is gone", "config volume "+volume+" exists but holds no config.yaml",
					"would crash-loop"),
			},
			{
				PreConfig: func() {
					// The look into the volume left no container behind.
					if names, err := acctest.WorkspaceContainers(cli, id); err != nil || len(names) > 0 {
						t.Fatalf("containers of %s after a failed plan: %v (%v)", id, names, err)
					}
				},
				Config: withSource,
				Check: resource.ComposeTestCheckFunc(
					acctest.ExpectServing(cli, id),
					expectConfigFile(cli, id, "config.yaml", acctest.MinimalConfigYAML("lost")),
				),
			},
		},
	})
}

// Special files and oversized files in a template are refused at plan time,
// before anything is created, with the offending path in the message.
func TestAccWorkspace_templateRefusesSpecialAndOversizedFiles(t *testing.T) {
	fifoID, bigID := acctest.RandomID("fifo"), acctest.RandomID("big")
	cli := acctest.Docker(t)
	withFIFO := writeTemplate(t, map[string]templateEntry{"config.yaml": {content: acctest.MinimalConfigYAML("fifo"), mode: 0o644}})
	if err := syscall.Mkfifo(filepath.Join(withFIFO, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	oversized := writeTemplate(t, map[string]templateEntry{
		"config.yaml": {content: acctest.MinimalConfigYAML("big"), mode: 0o644},
		"huge.bin":    {content: strings.Repeat("x", workspace.MaxConfigFileBytes+1), mode: 0o644},
	})
	config := func(id, dir string) string {
		return acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  template_path = %q\n}\n", id, dir)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, fifoID, bigID),
		Steps: []resource.TestStep{
			{
				Config:      config(fifoID, withFIFO),
				PlanOnly:    true,
				ExpectError: acctest.MessageRegexp("Unusable template directory", `"pipe" is a named pipe (FIFO)`, "only regular files, directories and symlinks"),
			},
			{
				Config:   config(bigID, oversized),
				PlanOnly: true,
				ExpectError: acctest.MessageRegexp("Unusable template directory",
					fmt.Sprintf(`"huge.bin" is %d bytes, over the %d-byte (1 MiB) limit per file`, workspace.MaxConfigFileBytes+1, workspace.MaxConfigFileBytes)),
			},
		},
	})
}

// The common single-file case (config_files holds only config.yaml): an edit
// that keeps the file's size still shows, and is repaired.
func TestAccWorkspace_singleConfigFileEditedKeepingItsSize(t *testing.T) {
	id := acctest.RandomID("one")
	cli := acctest.Docker(t)
	configYAML := acctest.MinimalConfigYAML("one")
	edited := strings.Replace(configYAML, "model: none", "model: nope", 1)
	cfg := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  config_files = { \"config.yaml\" = %q }\n}\n", id, configYAML)
	var startedBefore time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if len(edited) != len(configYAML) || edited == configYAML {
						t.Fatal("the edit should keep the size and change the content")
					}
					var err error
					if startedBefore, err = acctest.ContainerStartedAt(cli, id); err != nil {
						t.Fatal(err)
					}
					if err := acctest.WriteConfigFile(cli, id, "config.yaml", []byte(edited)); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectConfigFile(cli, id, "config.yaml", configYAML),
					func(*terraform.State) error { return acctest.ExpectRestartedSince(cli, id, startedBefore) },
				),
			},
		},
	})
}

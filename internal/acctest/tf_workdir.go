// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Workdir runs the real terraform binary in a directory of its own against a
// provider binary built from this module (installed with dev_overrides), for
// what in-process provider factories cannot show: a Ctrl-C during apply, a
// saved plan applied after the engine went away, TF_LOG output of terraform
// and the provider together, and the raw state file.
type Workdir struct {
	Dir string

	t         *testing.T
	terraform string
	env       []string
}

// workdirProviderAddress is the registry address main.go serves under.
const workdirProviderAddress = "registry.terraform.io/molecule-ai/molecule"

var builtProvider struct {
	once sync.Once
	dir  string
	err  error
}

// RemoveBuiltProvider deletes the provider binary built for Workdirs; call it
// from TestMain after the tests ran.
func RemoveBuiltProvider() {
	if builtProvider.dir != "" {
		_ = os.RemoveAll(builtProvider.dir)
	}
}

// NewWorkdir prepares an empty working directory whose terraform uses the
// provider built from this module (built once per test process).
func NewWorkdir(t *testing.T) *Workdir {
	t.Helper()
	AcceptanceOnly(t)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("terraform not found: set TF_ACC_TERRAFORM_PATH or put it on PATH")
		}
	}
	builtProvider.once.Do(func() {
		dir, err := os.MkdirTemp("", "molecule-provider-bin-")
		if err != nil {
			builtProvider.err = err
			return
		}
		builtProvider.dir = dir
		build := exec.Command(goCommand(), "build", "-o", filepath.Join(dir, "terraform-provider-molecule"), ".")
		build.Dir = RepoRoot(t)
		if out, err := build.CombinedOutput(); err != nil {
			builtProvider.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if builtProvider.err != nil {
		t.Fatalf("building the provider: %v", builtProvider.err)
	}
	home := t.TempDir()
	rc := filepath.Join(home, "terraform.rc")
	conf := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", workdirProviderAddress, builtProvider.dir)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Workdir{
		Dir:       t.TempDir(),
		t:         t,
		terraform: tf,
		env:       []string{"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "HOME=" + home},
	}
}

// SetConfig replaces main.tf; the required_providers block pointing at the
// dev override comes first.
func (w *Workdir) SetConfig(hcl string) {
	w.t.Helper()
	head := "terraform {\n  required_providers {\n    molecule = { source = \"molecule-ai/molecule\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(head+hcl), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// Setenv adds KEY=value pairs to every later run.
func (w *Workdir) Setenv(kv ...string) { w.env = append(w.env, kv...) }

// TFResult is one terraform run.
type TFResult struct {
	Args           []string
	Stdout, Stderr string
	Err            error
	Took           time.Duration
}

// Output is stdout and stderr together, for matching messages.
func (r TFResult) Output() string { return r.Stdout + r.Stderr }

func (r TFResult) String() string {
	return fmt.Sprintf("terraform %s (%s, err=%v)\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.Took.Round(time.Millisecond), r.Err, r.Stdout, r.Stderr)
}

// TFRun is a terraform process running in the background.
type TFRun struct {
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr bytes.Buffer
	start          time.Time
	args           []string
}

// Start runs terraform with args (-no-color is added after the subcommand,
// "state rm" counting as one) in the background.
func (w *Workdir) Start(args ...string) *TFRun {
	w.t.Helper()
	if len(args) > 0 {
		n := 1 // after the subcommand: "state rm" and the like have two words
		if args[0] == "state" && len(args) > 1 {
			n = 2
		}
		args = append(append(append([]string{}, args[:n]...), "-no-color"), args[n:]...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	r := &TFRun{cancel: cancel, start: time.Now(), args: args}
	r.cmd = exec.CommandContext(ctx, w.terraform, args...)
	r.cmd.Dir = w.Dir
	r.cmd.Env = append(os.Environ(), w.env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		cancel()
		w.t.Fatalf("starting terraform %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// Interrupt sends SIGINT, as Ctrl-C in a terminal does.
func (r *TFRun) Interrupt() error { return r.cmd.Process.Signal(syscall.SIGINT) }

// Wait waits for terraform to exit.
func (r *TFRun) Wait() TFResult {
	err := r.cmd.Wait()
	r.cancel()
	return TFResult{Args: r.args, Stdout: r.stdout.String(), Stderr: r.stderr.String(), Err: err, Took: time.Since(r.start)}
}

// Run runs terraform with args (-no-color is added) and waits.
func (w *Workdir) Run(args ...string) TFResult {
	w.t.Helper()
	return w.Start(args...).Wait()
}

// MustRun is Run failing the test when terraform fails.
func (w *Workdir) MustRun(args ...string) TFResult {
	w.t.Helper()
	r := w.Run(args...)
	if r.Err != nil {
		w.t.Fatalf("%s", r)
	}
	return r
}

// DestroyOnCleanup destroys whatever the state holds when the test ends.
func (w *Workdir) DestroyOnCleanup() {
	w.t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(w.Dir, "terraform.tfstate")); err != nil {
			return
		}
		if r := w.Run("destroy", "-auto-approve"); r.Err != nil {
			w.t.Errorf("cleanup: %s", r)
		}
	})
}

// NewExampleWorkdir is NewWorkdir holding a copy of examples/<name>, whose
// own terraform block names the provider: the example exactly as a user
// runs it.
func NewExampleWorkdir(t *testing.T, name string) *Workdir {
	t.Helper()
	w := NewWorkdir(t)
	src := filepath.Join(RepoRoot(t), "examples", name)
	if err := os.CopyFS(w.Dir, os.DirFS(src)); err != nil {
		t.Fatalf("copying examples/%s: %v", name, err)
	}
	return w
}

// WriteVars writes variable values to test.auto.tfvars.json.
func (w *Workdir) WriteVars(vars map[string]any) {
	w.t.Helper()
	data, err := json.MarshalIndent(vars, "", "  ")
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.Dir, "test.auto.tfvars.json"), data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// OutputJSON decodes the root module output name into into.
func (w *Workdir) OutputJSON(name string, into any) {
	w.t.Helper()
	r := w.MustRun("output", "-json", name)
	if err := json.Unmarshal([]byte(r.Stdout), into); err != nil {
		w.t.Fatalf("output %s: %v\n%s", name, err, r.Stdout)
	}
}

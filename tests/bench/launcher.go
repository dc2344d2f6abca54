// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	// wrapCommand makes this program a launcher for the provider: it runs
	// the real binary with the same stdio and environment (the plugin
	// handshake passes straight through) and records its peak RSS at exit.
	wrapCommand = "__wrap-provider"
	// rssLogEnv names the file the launcher appends a line to per provider
	// process: its peak RSS (KiB) and the CPU time it used (ms).
	rssLogEnv = "MOLECULE_BENCH_RSS_LOG"
	// apiCallLogEnv is the provider's own Docker API call log (internal/provider/apicalls.go).
	apiCallLogEnv = "MOLECULE_TF_API_CALL_LOG"
)

// writeProviderLauncher makes a dev_overrides directory <workdir>/<name>
// whose terraform-provider-molecule is a script that execs this program in
// launcher mode on command (the provider binary and its arguments), plus the
// CLI config <workdir>/<name>.tfrc pointing at it, whose path it returns.
func writeProviderLauncher(workdir, name string, command ...string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(workdir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	quoted := make([]string, len(command))
	for i, c := range command {
		quoted[i] = shellQuote(c)
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %s %s %s \"$@\"\n", shellQuote(self), wrapCommand, strings.Join(quoted, " "))
	if err := os.WriteFile(filepath.Join(dir, "terraform-provider-molecule"), []byte(script), 0o755); err != nil {
		return "", err
	}
	cliConfig := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "molecule-ai/molecule" = %q
  }
  direct {}
}
`, dir)
	file := filepath.Join(workdir, name+".tfrc")
	return file, os.WriteFile(file, []byte(cliConfig), 0o644)
}

func shellQuote(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += `'\''`
		} else {
			out += string(r)
		}
	}
	return out + "'"
}

// wrapProvider runs args[0] with args[1:] and returns its exit code.
func wrapProvider(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "launcher: no provider binary given")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Terraform signals the process group on interrupt and stops plugins
	// over gRPC; the launcher only passes on what is aimed at it alone.
	signal.Ignore(syscall.SIGINT)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 1
	}
	go func() {
		for sig := range term {
			_ = cmd.Process.Signal(sig)
		}
	}()
	err := cmd.Wait()
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
		recordProcess(usage.Maxrss, cpu) // Maxrss is KiB on Linux
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		return 1
	}
	return 0
}

func recordProcess(kb int64, cpu time.Duration) {
	file := os.Getenv(rssLogEnv)
	if file == "" {
		return
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "%d %d\n", kb, cpu.Milliseconds())
}

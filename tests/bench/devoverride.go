// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/procsettings"
)

// apiCallLogEnv is the provider's own Docker API call log (internal/provider/apicalls.go).
const apiCallLogEnv = "MOLECULE_TF_API_CALL_LOG"

// processLogEnv is where every provider process appends its peak RSS and
// CPU time as it ends (internal/procsettings): measured by the provider
// itself, so Terraform runs it directly, as it does for a user.
const processLogEnv = procsettings.UsageLogEnv

// writeProviderOverride makes a dev_overrides directory <workdir>/<name>
// whose terraform-provider-molecule runs command (the provider binary and
// its arguments), plus the CLI config <workdir>/<name>.tfrc pointing at it,
// whose path it returns. A bare binary is linked, so Terraform starts it
// with no process in between; arguments need a script that execs it.
func writeProviderOverride(workdir, name string, command ...string) (string, error) {
	dir := filepath.Join(workdir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	binary, err := filepath.Abs(command[0])
	if err != nil {
		return "", err
	}
	entry := filepath.Join(dir, "terraform-provider-molecule")
	_ = os.Remove(entry)
	if len(command) == 1 {
		err = os.Symlink(binary, entry)
	} else {
		quoted := []string{shellQuote(binary)}
		for _, c := range command[1:] {
			quoted = append(quoted, shellQuote(c))
		}
		err = os.WriteFile(entry, []byte(fmt.Sprintf("#!/bin/sh\nexec %s \"$@\"\n", strings.Join(quoted, " "))), 0o755)
	}
	if err != nil {
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
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

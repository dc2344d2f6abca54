// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provider"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ProviderFactories serves the provider in-process for terraform-plugin-testing.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"molecule": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// ProviderConfig is a provider block pointing every runtime at the stand-in
// images, plus extra HCL lines.
func ProviderConfig(extra ...string) string {
	var b strings.Builder
	b.WriteString("provider \"molecule\" {\n  network = \"" + Network + "\"\n  runtime_images = {\n")
	for _, rt := range workspace.KnownRuntimes() {
		fmt.Fprintf(&b, "    %q = %q\n", rt, StandinImage(rt))
	}
	b.WriteString("  }\n")
	for _, line := range extra {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Template writes a template directory with the given files and returns it.
func Template(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// MinimalConfigYAML is a valid config.yaml for the stand-in.
func MinimalConfigYAML(name string) string {
	return fmt.Sprintf("name: %s\ndescription: acceptance test\nversion: 1.0.0\ntier: 2\nruntime: langgraph\nmodel: none\n", name)
}

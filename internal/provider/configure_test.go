// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
)

// A CA that holds no certificate is reported on the attribute it came from.
func TestEngineSettingsDiagnosticNamesTheCAsSource(t *testing.T) {
	t.Setenv("DOCKER_CERT_PATH", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		cfg      docker.EngineConfig
		wantAttr string
		wantText string
	}{
		{"ca_material", docker.EngineConfig{Host: "tcp://127.0.0.1:2376", CAMaterial: "not a certificate"}, "ca_material", "ca_material: the CA certificate (given as PEM text) holds no PEM certificate"},
		{"cert_path", docker.EngineConfig{Host: "tcp://127.0.0.1:2376", CertPath: dir}, "cert_path", "cert_path: the CA certificate (read from " + filepath.Join(dir, "ca.pem") + ") holds no PEM certificate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := docker.NewEngine(c.cfg)
			if err == nil {
				t.Fatal("NewEngine accepted a CA without a certificate")
			}
			d := engineSettingsDiagnostic(err)
			withPath, ok := d.(interface{ Path() path.Path })
			if !ok || !withPath.Path().Equal(path.Root(c.wantAttr)) {
				t.Errorf("diagnostic %v is not on %s", d, c.wantAttr)
			}
			if !strings.Contains(d.Detail(), c.wantText) {
				t.Errorf("detail %q lacks %q", d.Detail(), c.wantText)
			}
		})
	}
}

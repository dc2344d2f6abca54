// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"archive/tar"
	"bytes"
	"maps"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

func TestConfigFilesFromArchive(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, typ byte, content string) {
		t.Helper()
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: typ, Mode: 0o644, Size: int64(len(content)), Linkname: "config.yaml"}); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			_, _ = tw.Write([]byte(content))
		}
	}
	add("configs/", tar.TypeDir, "")
	add("configs/config.yaml", tar.TypeReg, "name: a\n")
	add("configs/prompts/", tar.TypeDir, "")
	add("configs/prompts/system.md", tar.TypeReg, "be brief")
	add("configs/.auth_token", tar.TypeReg, "secret-token")
	add("configs/link.yaml", tar.TypeSymlink, "")
	add("configs/blob.bin", tar.TypeReg, "\xff\xfe")
	add("configs/nul.yaml", tar.TypeReg, "a\x00b")
	_ = tw.Close()

	got, err := workspace.ConfigFilesFromArchive(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"config.yaml": "name: a\n", "prompts/system.md": "be brief"}
	if !maps.Equal(got, want) {
		t.Errorf("got %q, want %q (no token, symlink, binary or YAML with NUL)", got, want)
	}
}

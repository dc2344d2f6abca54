// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A Secret volume's layout: files are links into a timestamped directory
// behind the ..data link. Only the files arrive, with their bytes, mode 0644.
func TestCopyFilesFollowsSecretVolumeLinks(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := filepath.Join(src, "..2026_11_29_22_00_00.000000001")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"config.yaml": "name: a\n", "system-prompt.md": "be brief\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(data, name), []byte(body), 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(data), filepath.Join(src, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, ".auth_token"), []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}

	n, err := copyFiles(src, dst)
	if err != nil || n != len(files) {
		t.Fatalf("copyFiles = %d, %v; want %d files", n, err, len(files))
	}
	entries, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files)+1 {
		t.Errorf("%s holds %d entries, want the %d files and .auth_token", dst, len(entries), len(files))
	}
	for name, body := range files {
		p := filepath.Join(dst, name)
		got, err := os.ReadFile(p)
		if err != nil || string(got) != body {
			t.Errorf("%s = %q, %v; want %q", name, got, err, body)
		}
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, %v; want a regular file, 0644", name, st.Mode(), err)
		}
	}
}

func TestCopyFilesMissingSource(t *testing.T) {
	if _, err := copyFiles(filepath.Join(t.TempDir(), "absent"), t.TempDir()); err == nil {
		t.Fatal("copyFiles of a missing directory succeeded")
	}
}

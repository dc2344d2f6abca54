// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// A Secret volume's layout: files are links into a timestamped directory
// behind the ..data link. Only the files arrive, with their bytes, mode 0644.
func TestInstallFollowsSecretVolumeLinks(t *testing.T) {
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

	n, err := install(src, dst)
	if err != nil || n != len(files) {
		t.Fatalf("install = %d, %v; want %d files", n, err, len(files))
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

func TestInstallMissingSource(t *testing.T) {
	if _, err := install(filepath.Join(t.TempDir(), "absent"), t.TempDir()); err == nil {
		t.Fatal("install of a missing directory succeeded")
	}
}

// An archive entry keeps its bytes, mode and directories; a file already in
// DST is replaced, and a symbolic link there is replaced, not written through.
func TestInstallExtractsArchives(t *testing.T) {
	src, dst, outside := t.TempDir(), t.TempDir(), t.TempDir()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	entries := []struct {
		name string
		typ  byte
		mode int64
		body string
	}{
		{"plugins", tar.TypeDir, 0o755, ""},
		{"plugins/a.yaml", tar.TypeReg, 0o644, "a: 1\n"},
		{"config.yaml", tar.TypeReg, 0o644, "name: x\n"},
		{".auth_token", tar.TypeReg, 0o600, "tok"},
	}
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)), Uid: os.Getuid(), Gid: os.Getgid()}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "files.tar.gz"), buf.Bytes(), 0o400); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dst, "config.yaml")); err != nil {
		t.Fatal(err)
	}

	n, err := install(src, dst)
	if err != nil || n != 3 {
		t.Fatalf("install = %d, %v; want 3 files", n, err)
	}
	for _, e := range entries {
		p := filepath.Join(dst, e.name)
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		if st.Mode().Perm() != os.FileMode(e.mode) {
			t.Errorf("%s: mode %v, want %o", e.name, st.Mode(), e.mode)
		}
		if e.typ == tar.TypeReg {
			if got, _ := os.ReadFile(p); string(got) != e.body || !st.Mode().IsRegular() {
				t.Errorf("%s = %q (mode %v), want %q in a regular file", e.name, got, st.Mode(), e.body)
			}
		}
	}
	if got, _ := os.ReadFile(victim); string(got) != "untouched" {
		t.Errorf("the file a link in DST pointed at was written through: %q", got)
	}
}

func TestEntryPathRefusesEscapes(t *testing.T) {
	for _, name := range []string{"../x", "/etc/passwd", "a/../../x"} {
		if _, err := entryPath(name); err == nil {
			t.Errorf("entryPath(%q) accepted a path leaving the destination", name)
		}
	}
	if p, err := entryPath("./a/b"); err != nil || p != "a/b" {
		t.Errorf("entryPath(./a/b) = %q, %v", p, err)
	}
}

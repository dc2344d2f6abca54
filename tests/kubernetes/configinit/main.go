// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command configinit copies the regular files of one directory into another,
// for an init container that puts config files into a writable /configs
// volume without a shell in any image. The test cluster's smoke test runs it
// from a FROM scratch image (scripts/build-config-init-image.sh).
//
//	configinit SRC DST
//
// Secret and ConfigMap volumes hold their files behind symbolic links
// (name -> ..data/name); those are followed, and the ..-prefixed entries
// skipped. Files are written to a temporary name and renamed, mode 0644.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: configinit SRC DST")
		os.Exit(2)
	}
	n, err := copyFiles(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "configinit:", err)
		os.Exit(1)
	}
	fmt.Printf("configinit: copied %d file(s) from %s to %s\n", n, os.Args[1], os.Args[2])
}

func copyFiles(src, dst string) (int, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		from := filepath.Join(src, e.Name())
		st, err := os.Stat(from) // follows the volume's symlinks
		if err != nil {
			return n, err
		}
		if !st.Mode().IsRegular() {
			continue
		}
		if err := copyFile(from, filepath.Join(dst, e.Name())); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), ".configinit-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

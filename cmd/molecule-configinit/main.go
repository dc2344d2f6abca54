// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command molecule-configinit puts a workspace's config files into its
// writable /configs volume from an init container, before the agent starts,
// so that no shell or tool is needed in the agent's image. The Kubernetes
// backend (internal/kubernetes) runs it from a FROM scratch image (see
// scripts/build-config-init-image.sh); its default tag is
// kubernetes.DefaultConfigInitImage.
//
//	molecule-configinit SRC DST
//
// SRC is a mounted Secret volume. Each of its entries is handled by name:
//
//   - *.tar.gz: a gzipped tar archive extracted into DST with the modes,
//     owners, directories and symbolic links it records (the backend packs
//     config_files, the template directory and .auth_token this way, so a
//     Secret key needs no path characters and modes survive);
//   - any other regular file: copied into DST with mode 0644.
//
// Secret volumes hold their files behind symbolic links (name ->
// ..data/name); those are followed, and the ..-prefixed entries skipped.
// Files are written to a temporary name and renamed, so a file already in
// DST (or a link there) is replaced, never written through.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: molecule-configinit SRC DST")
		os.Exit(2)
	}
	n, err := install(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "molecule-configinit:", err)
		os.Exit(1)
	}
	fmt.Printf("molecule-configinit: wrote %d file(s) from %s to %s\n", n, os.Args[1], os.Args[2])
}

// install handles every entry of src in name order and returns how many
// files it wrote.
func install(src, dst string) (int, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
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
		if strings.HasSuffix(e.Name(), ".tar.gz") {
			written, err := extractArchive(from, dst)
			n += written
			if err != nil {
				return n, fmt.Errorf("%s: %w", e.Name(), err)
			}
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
	return writeFile(to, in, 0o644, -1, -1)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extractArchive writes the entries of a gzipped tar archive under dst and
// returns how many regular files it wrote. Entries must be relative paths
// that stay inside dst.
func extractArchive(archive, dst string) (int, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return 0, err
	}
	tr := tar.NewReader(gz)
	n := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		rel, err := entryPath(hdr.Name)
		if err != nil {
			return n, err
		}
		if rel == "" {
			continue // the archive's root: dst itself
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		perm := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, perm); err != nil {
				return n, err
			}
			if err := os.Chmod(target, perm); err != nil {
				return n, err
			}
			chown(target, hdr.Uid, hdr.Gid)
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return n, err
			}
			if err := writeFile(target, tr, perm, hdr.Uid, hdr.Gid); err != nil {
				return n, fmt.Errorf("%s: %w", rel, err)
			}
			n++
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return n, err
			}
			if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, err
			}
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return n, err
			}
			_ = os.Lchown(target, hdr.Uid, hdr.Gid)
		default:
			return n, fmt.Errorf("%s: entry type %q is not supported", rel, hdr.Typeflag)
		}
	}
}

// entryPath is an archive entry's path relative to the destination, ""
// for the root; absolute paths and ".." are refused.
func entryPath(name string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(name, "./"))
	if clean == "." {
		return "", nil
	}
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("archive entry %q leaves the destination", name)
	}
	return clean, nil
}

// writeFile writes r to a temporary file next to to and renames it into
// place with perm (and owner uid:gid unless negative).
func writeFile(to string, r io.Reader, perm fs.FileMode, uid, gid int) error {
	tmp, err := os.CreateTemp(filepath.Dir(to), ".configinit-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	chown(tmp.Name(), uid, gid)
	return os.Rename(tmp.Name(), to)
}

// chown sets an owner when one is given. It is best effort: run as a user
// other than root (tests) the files keep that user, and the agent runtime
// chowns /configs itself at start.
func chown(p string, uid, gid int) {
	if uid >= 0 && gid >= 0 {
		_ = os.Chown(p, uid, gid)
	}
}

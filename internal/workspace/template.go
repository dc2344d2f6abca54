// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// EntryKind is the type of a TemplateEntry.
type EntryKind int

// Kinds of template entries. Anything else found in a template directory
// (devices, sockets, FIFOs) is refused by ScanTemplate.
const (
	EntryFile EntryKind = iota + 1
	EntryDir
	EntrySymlink
)

// String returns the kind's name as used in error messages.
func (k EntryKind) String() string {
	switch k {
	case EntryFile:
		return "file"
	case EntryDir:
		return "directory"
	case EntrySymlink:
		return "symlink"
	}
	return fmt.Sprintf("EntryKind(%d)", int(k))
}

// TemplateEntry describes one file, directory or symlink of a template
// directory as found by ScanTemplate.
type TemplateEntry struct {
	// RelPath is the path relative to the template root, with "/" separators.
	RelPath string
	Kind    EntryKind
	// Mode holds the permission bits found on disk.
	Mode int64
	// Size is the file size in bytes at scan time; zero for directories and symlinks.
	Size int64
	// LinkTarget is the symlink's target as stored on disk, with "/"
	// separators (symlinks only).
	LinkTarget string
	// HostPath is the absolute path of the entry on the host.
	HostPath string
}

// TemplateManifest is the content of a template directory.
type TemplateManifest struct {
	// Entries are sorted by RelPath, so every directory precedes its contents.
	Entries []TemplateEntry
	// TotalBytes is the sum of the regular files' sizes.
	TotalBytes int64
}

// Files returns the relative paths of the manifest's regular files and
// symlinks, sorted. A nil manifest (no template) has none.
func (m *TemplateManifest) Files() []string {
	if m == nil {
		return nil
	}
	var files []string
	for _, e := range m.Entries {
		if e.Kind == EntryFile || e.Kind == EntrySymlink {
			files = append(files, e.RelPath)
		}
	}
	slices.Sort(files)
	return files
}

// HasConfigYAML reports whether the template has a non-empty regular file
// config.yaml at its top level. A symlink or directory of that name does not
// count: the runtime needs a real file it can read before anything else.
// A nil manifest (no template) has none.
func (m *TemplateManifest) HasConfigYAML() bool {
	if m == nil {
		return false
	}
	for _, e := range m.Entries {
		if e.RelPath == "config.yaml" {
			return e.Kind == EntryFile && e.Size > 0
		}
	}
	return false
}

// ScanTemplate walks the template directory dir, which must be an absolute
// path to an existing directory (a symlink to one is resolved first), and
// lists its regular files, directories and symlinks. Symlinks are recorded,
// not followed, and must point inside the template. Special files, files
// that cannot be read, paths that ValidateConfigFileKey would refuse, files
// over MaxConfigFileBytes and a total over MaxConfigTotalBytes are errors.
func ScanTemplate(dir string) (TemplateManifest, error) {
	root, err := resolveTemplateRoot(dir)
	if err != nil {
		return TemplateManifest{}, err
	}

	var manifest TemplateManifest
	walkErr := filepath.WalkDir(root, func(hostPath string, d fs.DirEntry, err error) error {
		if err != nil {
			where := "it"
			if rel, relErr := filepath.Rel(root, hostPath); relErr == nil && rel != "." {
				where = fmt.Sprintf("%q", filepath.ToSlash(rel))
			}
			return fmt.Errorf("template directory %q: cannot read %s: %w", dir, where, err)
		}
		if hostPath == root {
			return nil
		}
		entry, err := scanTemplateEntry(root, hostPath, d)
		if err != nil {
			return fmt.Errorf("template directory %q: %w", dir, err)
		}
		if entry.Kind == EntryFile {
			manifest.TotalBytes += entry.Size
			if manifest.TotalBytes > MaxConfigTotalBytes {
				return fmt.Errorf("template directory %q holds more than %d bytes (32 MiB) of files, the limit for /configs (reached at %q): remove large files from the template", dir, MaxConfigTotalBytes, entry.RelPath)
			}
		}
		manifest.Entries = append(manifest.Entries, entry)
		return nil
	})
	if walkErr != nil {
		return TemplateManifest{}, walkErr
	}

	slices.SortFunc(manifest.Entries, func(a, b TemplateEntry) int {
		return strings.Compare(a.RelPath, b.RelPath)
	})
	if err := checkTemplateSymlinks(manifest.Entries); err != nil {
		return TemplateManifest{}, fmt.Errorf("template directory %q: %w", dir, err)
	}
	return manifest, nil
}

// resolveTemplateRoot checks that dir is an absolute path to a directory and
// resolves symlinks in it, because filepath.WalkDir does not descend into a
// root that is itself a symlink.
func resolveTemplateRoot(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("template directory must not be empty: give an absolute path to a directory")
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("template directory %q must be an absolute path: prefix it with the directory it is relative to", dir)
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("template directory %q does not exist: create it or fix the path", dir)
	case err != nil:
		return "", fmt.Errorf("template directory %q cannot be read: %w", dir, err)
	case !info.IsDir():
		return "", fmt.Errorf("template directory %q is a %s, not a directory: give the directory that contains config.yaml", dir, describeFileMode(info.Mode()))
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("template directory %q cannot be resolved: %w", dir, err)
	}
	return root, nil
}

// scanTemplateEntry describes the entry at hostPath, which lies under root.
func scanTemplateEntry(root, hostPath string, d fs.DirEntry) (TemplateEntry, error) {
	rel, err := filepath.Rel(root, hostPath)
	if err != nil {
		return TemplateEntry{}, err
	}
	rel = filepath.ToSlash(rel)
	if err := validateConfigPath("path", rel); err != nil {
		return TemplateEntry{}, err
	}
	info, err := d.Info()
	if err != nil {
		return TemplateEntry{}, fmt.Errorf("cannot read %q: %w", rel, err)
	}
	entry := TemplateEntry{
		RelPath:  rel,
		Mode:     int64(info.Mode().Perm()),
		HostPath: hostPath,
	}

	mode := info.Mode()
	switch {
	case mode.IsDir():
		entry.Kind = EntryDir
	case mode&fs.ModeSymlink != 0:
		entry.Kind = EntrySymlink
		target, err := os.Readlink(hostPath)
		if err != nil {
			return TemplateEntry{}, fmt.Errorf("cannot read symlink %q: %w", rel, err)
		}
		// The link is recreated in a Linux container, which wants "/".
		entry.LinkTarget = filepath.ToSlash(target)
	case mode.IsRegular():
		entry.Kind = EntryFile
		entry.Size = info.Size()
		if entry.Size > MaxConfigFileBytes {
			return TemplateEntry{}, fmt.Errorf("file %q is %d bytes, over the %d-byte (1 MiB) limit per file: remove it from the template or make it smaller", rel, entry.Size, MaxConfigFileBytes)
		}
		// Open now so that permission problems surface at plan time rather
		// than halfway through building the archive.
		f, err := os.Open(hostPath)
		if err != nil {
			return TemplateEntry{}, fmt.Errorf("cannot read file %q: %w", rel, err)
		}
		f.Close()
	default:
		return TemplateEntry{}, fmt.Errorf("%q is a %s; only regular files, directories and symlinks can be copied to /configs: remove it from the template", rel, describeFileMode(mode))
	}
	return entry, nil
}

// describeFileMode names the type of a file for error messages.
func describeFileMode(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "regular file"
	case mode.IsDir():
		return "directory"
	case mode&fs.ModeSymlink != 0:
		return "symlink"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// maxSymlinkHops bounds symlink resolution, like the kernel's ELOOP limit.
const maxSymlinkHops = 40

// checkTemplateSymlinks makes sure every symlink resolves inside the
// template root. Resolution follows the template's own symlinks, because a
// purely lexical check is fooled by targets such as "self/../x" where "self"
// links to ".": the kernel resolves "self" first and then leaves the root.
func checkTemplateSymlinks(entries []TemplateEntry) error {
	links := make(map[string]string)
	for _, e := range entries {
		if e.Kind != EntrySymlink {
			continue
		}
		if isAbsoluteLinkTarget(e.LinkTarget) {
			return fmt.Errorf("symlink %q -> %q is absolute and would point outside /configs in the container: use a relative target inside the template", e.RelPath, e.LinkTarget)
		}
		links[e.RelPath] = filepath.ToSlash(e.LinkTarget)
	}
	for _, e := range entries {
		if e.Kind == EntrySymlink && !resolvesInsideRoot(e.RelPath, links) {
			return fmt.Errorf("symlink %q -> %q points outside the template directory or into a symlink loop: use a relative target inside the template", e.RelPath, e.LinkTarget)
		}
	}
	return nil
}

// isAbsoluteLinkTarget reports whether target is absolute on the host or in
// the container.
func isAbsoluteLinkTarget(target string) bool {
	return filepath.IsAbs(target) || path.IsAbs(filepath.ToSlash(target)) || hasWindowsDrive(target)
}

// resolvesInsideRoot resolves relPath through links (relative path ->
// relative target, "/"-separated) the way the kernel would, and reports
// whether it stays inside the root without looping. Missing paths are fine:
// a dangling link cannot reach outside.
func resolvesInsideRoot(relPath string, links map[string]string) bool {
	hops := 0
	// resolved holds the elements of the location reached so far; pending
	// holds the elements still to walk, next one first.
	var resolved []string
	pending := strings.Split(relPath, "/")
	for len(pending) > 0 {
		elem := pending[0]
		pending = pending[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(resolved) == 0 {
				return false
			}
			resolved = resolved[:len(resolved)-1]
			continue
		}
		resolved = append(resolved, elem)
		target, isLink := links[strings.Join(resolved, "/")]
		if !isLink {
			continue
		}
		if hops++; hops > maxSymlinkHops {
			return false
		}
		// The target is relative to the link's directory: drop the link
		// itself and walk the target's elements before the rest.
		resolved = resolved[:len(resolved)-1]
		pending = append(strings.Split(target, "/"), pending...)
	}
	return true
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Owner of every entry written into /configs: the "agent" user of the
// workspace runtime images, so the agent can read and rewrite its config.
const (
	ConfigOwnerUID = 1000
	ConfigOwnerGID = 1000
)

// ConfigArchiveModTime is the modification time of every archive entry. A
// fixed time makes archives built from the same inputs byte-identical, so
// rebuilding never looks like a change; a real date (rather than the Unix
// epoch) keeps tools from flagging the files as having no timestamp.
var ConfigArchiveModTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// Hash formats for entries that are not regular files, as returned by
// ExpectedHashes and HashConfigArchive.
const (
	symlinkHashPrefix  = "symlink:"
	hardlinkHashPrefix = "hardlink:"
)

// ManagedFile records what the provider wrote at one path in /configs.
type ManagedFile struct {
	// RelPath is relative to /configs, with "/" separators.
	RelPath string
	// SHA256 is the hash in the format of ExpectedHashes.
	SHA256 string
}

// ManagedFilesFromHashes turns a relpath -> hash map, as returned by
// ExpectedHashes, into ManagedFiles sorted by RelPath.
func ManagedFilesFromHashes(hashes map[string]string) []ManagedFile {
	files := make([]ManagedFile, 0, len(hashes))
	for _, relPath := range slices.Sorted(maps.Keys(hashes)) {
		files = append(files, ManagedFile{RelPath: relPath, SHA256: hashes[relPath]})
	}
	return files
}

// HashContent returns the hex-encoded SHA-256 of content, the hash recorded
// for regular files.
func HashContent(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// BuildConfigArchive returns an uncompressed tar stream to extract at
// /configs (with Docker's CopyToContainer) holding the template described
// by manifest, which may be nil, and the config files (relative path ->
// content). A config file replaces the template entry at the same path, and
// missing parent directories are added with ConfigDirMode. Entries are owned
// by ConfigOwnerUID:ConfigOwnerGID, sorted by path and stamped with a fixed
// time, so the same inputs always give the same bytes. Template files are
// read when the archive is built; their sizes are checked again then.
func BuildConfigArchive(manifest *TemplateManifest, files map[string]string) ([]byte, error) {
	entries, err := planConfigArchive(manifest, files)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var total int64
	for _, e := range entries {
		hdr := &tar.Header{
			Name:    e.relPath,
			Mode:    e.mode,
			Uid:     ConfigOwnerUID,
			Gid:     ConfigOwnerGID,
			ModTime: ConfigArchiveModTime,
		}
		var content []byte
		switch e.kind {
		case EntryDir:
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case EntrySymlink:
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = e.linkTarget
		case EntryFile:
			if content, err = e.readContent(); err != nil {
				return nil, err
			}
			if total += int64(len(content)); total > MaxConfigTotalBytes {
				return nil, totalSizeError(total)
			}
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing %q to the config archive: %w", e.relPath, err)
		}
		if _, err := tw.Write(content); err != nil {
			return nil, fmt.Errorf("writing %q to the config archive: %w", e.relPath, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("finishing the config archive: %w", err)
	}
	return buf.Bytes(), nil
}

// ExpectedHashes returns relpath -> hash for every regular file and symlink
// that BuildConfigArchive would write for the same inputs (directories are
// left out): the hex SHA-256 of a file's content (see HashContent), or
// "symlink:" followed by a symlink's target. Template files are read from
// disk now, so call it next to BuildConfigArchive, or hash the built archive
// with HashConfigArchive(bytes.NewReader(archive), "") instead.
func ExpectedHashes(manifest *TemplateManifest, files map[string]string) (map[string]string, error) {
	entries, err := planConfigArchive(manifest, files)
	if err != nil {
		return nil, err
	}
	hashes := make(map[string]string)
	var total int64
	for _, e := range entries {
		switch e.kind {
		case EntrySymlink:
			hashes[e.relPath] = symlinkHashPrefix + e.linkTarget
		case EntryFile:
			content, err := e.readContent()
			if err != nil {
				return nil, err
			}
			if total += int64(len(content)); total > MaxConfigTotalBytes {
				return nil, totalSizeError(total)
			}
			hashes[e.relPath] = HashContent(content)
		}
	}
	return hashes, nil
}

// HashConfigArchive reads a tar stream as returned by Docker's
// CopyFromContainer for the directory root (for "/configs" every name starts
// with "configs/") and returns relpath -> hash, in the format of
// ExpectedHashes, for every regular file and symlink below root. The entry
// for root itself, directories and special files are left out. A hard link
// gets the hash of the file it links to when that came earlier in the
// stream, and "hardlink:" followed by the target's relative path otherwise.
// With root "" names are used as they are, which suits archives made by
// BuildConfigArchive.
func HashConfigArchive(r io.Reader, root string) (map[string]string, error) {
	prefix, source := "", "the archive"
	if base := path.Base(root); root != "" && base != "/" && base != "." {
		prefix = base + "/"
		source = "the archive of " + root
	}
	relPathOf := func(name string) (string, error) {
		name = strings.TrimSuffix(name, "/")
		if name+"/" == prefix {
			return "", nil // root itself
		}
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok {
			return "", fmt.Errorf("unexpected entry %q in %s: every entry should start with %q", name, source, prefix)
		}
		rel = path.Clean(rel)
		if rel == "." {
			return "", nil
		}
		return rel, nil
	}

	hashes := make(map[string]string)
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return hashes, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", source, err)
		}
		rel, err := relPathOf(hdr.Name)
		if err != nil {
			return nil, err
		}
		if rel == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg: // archive/tar reports the old TypeRegA as TypeReg
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return nil, fmt.Errorf("reading %q from %s: %w", rel, source, err)
			}
			hashes[rel] = hex.EncodeToString(h.Sum(nil))
		case tar.TypeSymlink:
			hashes[rel] = symlinkHashPrefix + hdr.Linkname
		case tar.TypeLink:
			target, err := relPathOf(hdr.Linkname)
			if err != nil {
				return nil, err
			}
			if hash, ok := hashes[target]; ok {
				hashes[rel] = hash // a hard link is the very same file
			} else {
				hashes[rel] = hardlinkHashPrefix + target
			}
		}
	}
}

// archiveEntry is one entry planned for the config archive.
type archiveEntry struct {
	relPath    string
	kind       EntryKind
	mode       int64
	linkTarget string
	// hostPath is set for template files, whose content is read when needed.
	hostPath string
	// content holds a config file's content.
	content string
	// fromTemplate tells where the entry came from, for error messages.
	fromTemplate bool
}

// readContent returns the bytes of a file entry. Template files are read
// fully before use so the tar header always matches the bytes written, even
// if the file changed since ScanTemplate.
func (e *archiveEntry) readContent() ([]byte, error) {
	if !e.fromTemplate {
		return []byte(e.content), nil
	}
	f, err := os.Open(e.hostPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read template file %q: %w", e.relPath, err)
	}
	defer f.Close()
	// Read one byte past the limit to notice a file that grew too large
	// without loading all of it.
	content, err := io.ReadAll(io.LimitReader(f, MaxConfigFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read template file %q: %w", e.relPath, err)
	}
	if len(content) > MaxConfigFileBytes {
		return nil, fmt.Errorf("template file %q has grown over the %d-byte (1 MiB) limit per file: make it smaller", e.relPath, MaxConfigFileBytes)
	}
	// The same text rules as for config_files: the agent parses YAML and JSON.
	if err := ValidateConfigFileContent(e.relPath, string(content)); err != nil {
		return nil, fmt.Errorf("in the template directory: %w", err)
	}
	return content, nil
}

// totalSizeError reports that all files together exceed MaxConfigTotalBytes.
func totalSizeError(total int64) error {
	return fmt.Errorf("the files for /configs add up to at least %d bytes, over the %d-byte (32 MiB) limit: remove large files from the template directory or the extra config files", total, MaxConfigTotalBytes)
}

// planConfigArchive merges the template and the config files into the
// sorted list of archive entries, checking every config file and every
// clash between a file and a directory at the same path.
func planConfigArchive(manifest *TemplateManifest, files map[string]string) ([]archiveEntry, error) {
	planned := make(map[string]archiveEntry)
	if manifest != nil {
		for _, te := range manifest.Entries {
			if err := validateConfigPath("template path", te.RelPath); err != nil {
				return nil, err
			}
			if te.Kind != EntryFile && te.Kind != EntryDir && te.Kind != EntrySymlink {
				return nil, fmt.Errorf("template path %q has unsupported kind %v", te.RelPath, te.Kind)
			}
			planned[te.RelPath] = archiveEntry{
				relPath:      te.RelPath,
				kind:         te.Kind,
				mode:         templateMode(te),
				linkTarget:   te.LinkTarget,
				hostPath:     te.HostPath,
				fromTemplate: true,
			}
		}
		// Cheap, and guards manifests that were not made by ScanTemplate.
		if err := checkTemplateSymlinks(manifest.Entries); err != nil {
			return nil, err
		}
	}

	// Sorted so that errors are deterministic and "a" is handled before "a/b".
	for _, key := range slices.Sorted(maps.Keys(files)) {
		content := files[key]
		if err := ValidateConfigFileKey(key); err != nil {
			return nil, err
		}
		if err := ValidateConfigFileContent(key, content); err != nil {
			return nil, err
		}
		if existing, ok := planned[key]; ok && existing.kind == EntryDir {
			return nil, fmt.Errorf("config file %q would replace %s: choose another path", key, describePlanned(existing))
		}
		if err := planParentDirs(planned, key); err != nil {
			return nil, err
		}
		planned[key] = archiveEntry{
			relPath: key,
			kind:    EntryFile,
			mode:    FileModeFor(key),
			content: content,
		}
	}

	entries := slices.Collect(maps.Values(planned))
	slices.SortFunc(entries, func(a, b archiveEntry) int {
		return strings.Compare(a.relPath, b.relPath)
	})
	return entries, nil
}

// planParentDirs adds directory entries for the parents of key that are not
// planned yet, and refuses a parent that is planned as a file or symlink:
// writing through a symlink could leave /configs, and a file cannot hold
// children.
func planParentDirs(planned map[string]archiveEntry, key string) error {
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		existing, ok := planned[dir]
		switch {
		case !ok:
			planned[dir] = archiveEntry{relPath: dir, kind: EntryDir, mode: ConfigDirMode}
		case existing.kind != EntryDir:
			return fmt.Errorf("config file %q needs %q to be a directory, but it is %s: choose another path", key, dir, describePlanned(existing))
		}
	}
	return nil
}

// describePlanned names a planned entry and its origin for error messages.
func describePlanned(e archiveEntry) string {
	if e.fromTemplate {
		return fmt.Sprintf("the template %s %q", e.kind, e.relPath)
	}
	if e.kind == EntryDir {
		return "a directory holding other config files"
	}
	return fmt.Sprintf("the config file %q", e.relPath)
}

// ConfigFilesFromArchive reads a Docker archive of /configs (entries under
// "configs/"); see ReadConfigFiles for what is left out.
func ConfigFilesFromArchive(r io.Reader) (map[string]string, error) {
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive of /configs: %w", err)
		}
		rel, ok := strings.CutPrefix(hdr.Name, "configs/")
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		rel = path.Clean(rel)
		if rel == AuthTokenFile || hdr.Size > MaxConfigFileBytes || ValidateConfigFileKey(rel) != nil {
			continue
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading %q from the archive of /configs: %w", rel, err)
		}
		if !utf8.Valid(content) || ValidateConfigFileContent(rel, string(content)) != nil {
			continue
		}
		files[rel] = string(content)
	}
}

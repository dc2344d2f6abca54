// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// archiveFile is what the tests expect of one entry of a config archive.
type archiveFile struct {
	typeflag byte
	mode     int64
	linkname string
	content  string
}

// readArchive parses a tar stream into name -> entry, also returning the
// names in stream order. It checks the fields every entry must share.
func readArchive(t *testing.T, data []byte) (map[string]archiveFile, []string) {
	t.Helper()
	got := make(map[string]archiveFile)
	var names []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got, names
		}
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Size != int64(len(content)) {
			t.Errorf("%s: header size %d, but %d bytes follow", hdr.Name, hdr.Size, len(content))
		}
		if hdr.Uid != 1000 || hdr.Gid != 1000 {
			t.Errorf("%s: owner %d:%d, want 1000:1000", hdr.Name, hdr.Uid, hdr.Gid)
		}
		if !hdr.ModTime.Equal(ConfigArchiveModTime) {
			t.Errorf("%s: ModTime %v, want the fixed %v", hdr.Name, hdr.ModTime, ConfigArchiveModTime)
		}
		if _, dup := got[hdr.Name]; dup {
			t.Errorf("%s: written twice", hdr.Name)
		}
		got[hdr.Name] = archiveFile{typeflag: hdr.Typeflag, mode: hdr.Mode, linkname: hdr.Linkname, content: string(content)}
		names = append(names, hdr.Name)
	}
}

// binaryContent holds every byte value, including NUL and invalid UTF-8.
func binaryContent() string {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

// makeArchiveTemplate writes a template exercising every kind of entry and
// returns its directory. It writes files directly rather than with the
// template_test.go helpers, which are built on Unix only.
func makeArchiveTemplate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("config.yaml", "name: agent\r\nmodel: x\r\n", 0o644)
	write("bin/run.sh", "#!/bin/sh\necho hi\n", 0o755)
	write("data/blob.bin", binaryContent(), 0o644)
	write("prompts/deep/system.md", "be nice\n", 0o600)
	write("override.txt", "from the template\n", 0o644)
	write("replaced-link-target.txt", "x", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "prompts"), 0o750); err != nil {
		t.Fatal(err)
	}
	for rel, target := range map[string]string{
		"current":         "prompts",
		"prompts/main.md": "deep/system.md",
		"replaced-link":   "replaced-link-target.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// archiveConfigFiles overrides a template file and a template symlink, adds a
// file to a template directory and adds files needing new directories.
func archiveConfigFiles() map[string]string {
	return map[string]string{
		"override.txt":          "from config_files\n",
		"replaced-link":         "now a file",
		"prompts/extra.md":      "extra prompt",
		"new/dir/.auth_token":   "s3cret",
		"new/dir/settings.json": `{"a": 1}`,
		"new/top.yaml":          "k: v\n",
	}
}

func TestBuildConfigArchive(t *testing.T) {
	dir := makeArchiveTemplate(t)
	manifest, err := ScanTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := BuildConfigArchive(&manifest, archiveConfigFiles())
	if err != nil {
		t.Fatal(err)
	}
	got, names := readArchive(t, data)

	const (
		dirType  = tar.TypeDir
		fileType = tar.TypeReg
		linkType = tar.TypeSymlink
	)
	want := map[string]archiveFile{
		"bin/":                     {typeflag: dirType, mode: 0o755},
		"bin/run.sh":               {typeflag: fileType, mode: 0o755, content: "#!/bin/sh\necho hi\n"},
		"config.yaml":              {typeflag: fileType, mode: 0o644, content: "name: agent\r\nmodel: x\r\n"},
		"current":                  {typeflag: linkType, mode: 0o777, linkname: "prompts"},
		"data/":                    {typeflag: dirType, mode: 0o755},
		"data/blob.bin":            {typeflag: fileType, mode: 0o644, content: binaryContent()},
		"empty/":                   {typeflag: dirType, mode: 0o700},
		"new/":                     {typeflag: dirType, mode: 0o755},
		"new/dir/":                 {typeflag: dirType, mode: 0o755},
		"new/dir/.auth_token":      {typeflag: fileType, mode: 0o600, content: "s3cret"},
		"new/dir/settings.json":    {typeflag: fileType, mode: 0o644, content: `{"a": 1}`},
		"new/top.yaml":             {typeflag: fileType, mode: 0o644, content: "k: v\n"},
		"override.txt":             {typeflag: fileType, mode: 0o644, content: "from config_files\n"},
		"prompts/":                 {typeflag: dirType, mode: 0o750},
		"prompts/deep/":            {typeflag: dirType, mode: 0o755},
		"prompts/deep/system.md":   {typeflag: fileType, mode: 0o600, content: "be nice\n"},
		"prompts/extra.md":         {typeflag: fileType, mode: 0o644, content: "extra prompt"},
		"prompts/main.md":          {typeflag: linkType, mode: 0o777, linkname: "deep/system.md"},
		"replaced-link":            {typeflag: fileType, mode: 0o644, content: "now a file"},
		"replaced-link-target.txt": {typeflag: fileType, mode: 0o644, content: "x"},
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from the archive", name)
			continue
		}
		if g != w {
			t.Errorf("%s: got type %q mode %#o link %q content %q,\n\twant type %q mode %#o link %q content %q",
				name, g.typeflag, g.mode, g.linkname, g.content, w.typeflag, w.mode, w.linkname, w.content)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected entry", name)
		}
	}
	if !slices.IsSortedFunc(names, func(a, b string) int {
		return strings.Compare(strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/"))
	}) {
		t.Errorf("entries are not sorted: %q", names)
	}
}

func TestBuildConfigArchiveDeterministic(t *testing.T) {
	dir := makeArchiveTemplate(t)
	manifest, err := ScanTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := BuildConfigArchive(&manifest, archiveConfigFiles())
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		// A fresh map each time, so Go's map iteration order varies.
		again, err := BuildConfigArchive(&manifest, archiveConfigFiles())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two builds from the same inputs differ")
		}
	}
}

func TestBuildConfigArchiveWithoutTemplate(t *testing.T) {
	data, err := BuildConfigArchive(nil, map[string]string{"config.yaml": "a: 1\n", "a/b/c.pem": "pem"})
	if err != nil {
		t.Fatal(err)
	}
	_, names := readArchive(t, data)
	if want := []string{"a/", "a/b/", "a/b/c.pem", "config.yaml"}; !slices.Equal(names, want) {
		t.Errorf("entries = %q, want %q", names, want)
	}

	empty, err := BuildConfigArchive(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, names := readArchive(t, empty); len(names) != 0 {
		t.Errorf("empty inputs gave entries %q", names)
	}
}

func TestBuildConfigArchiveRereadsTemplateFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(p, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest, err := ScanTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}

	// Grown since the scan: the header must describe the bytes now on disk.
	if err := os.WriteFile(p, []byte("a good deal longer now"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := BuildConfigArchive(&manifest, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readArchive(t, data) // checks header size against content
	if got["notes.txt"].content != "a good deal longer now" {
		t.Errorf("content = %q, want the file as it is now", got["notes.txt"].content)
	}

	// Grown over the limit.
	if err := os.Truncate(p, MaxConfigFileBytes+1); err != nil {
		t.Fatal(err)
	}
	_, err = BuildConfigArchive(&manifest, nil)
	checkConfigErr(t, err, `template file "notes.txt" has grown over the 1048576-byte`)
	_, err = ExpectedHashes(&manifest, nil)
	checkConfigErr(t, err, `template file "notes.txt" has grown`)

	// Overriding the file means it is never read.
	if _, err := BuildConfigArchive(&manifest, map[string]string{"notes.txt": "new"}); err != nil {
		t.Errorf("overridden template file was still read: %v", err)
	}

	// Gone.
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	_, err = BuildConfigArchive(&manifest, nil)
	checkConfigErr(t, err, `cannot read template file "notes.txt"`)
}

func TestBuildConfigArchiveErrors(t *testing.T) {
	manifest := &TemplateManifest{Entries: []TemplateEntry{
		{RelPath: "dir", Kind: EntryDir, Mode: 0o755},
		{RelPath: "file", Kind: EntryFile, Mode: 0o644, HostPath: "/nonexistent/file"},
		{RelPath: "link", Kind: EntrySymlink, Mode: 0o777, LinkTarget: "dir"},
	}}
	bigFiles := make(map[string]string)
	for i := range MaxConfigTotalBytes/MaxConfigFileBytes + 1 {
		bigFiles["part"+string(rune('a'+i/26))+string(rune('a'+i%26))] = strings.Repeat("x", MaxConfigFileBytes)
	}
	tests := []struct {
		name     string
		manifest *TemplateManifest
		files    map[string]string
		wantErr  string
	}{
		{name: "file over a template directory", manifest: manifest, files: map[string]string{"dir": "x"},
			wantErr: `config file "dir" would replace the template directory "dir"`},
		{name: "file under a template file", manifest: manifest, files: map[string]string{"file/x": "x"},
			wantErr: `config file "file/x" needs "file" to be a directory, but it is the template file "file"`},
		{name: "file under a template symlink", manifest: manifest, files: map[string]string{"link/x": "x"},
			wantErr: `but it is the template symlink "link"`},
		{name: "file under another config file", files: map[string]string{"a": "x", "a/b": "y"},
			wantErr: `config file "a/b" needs "a" to be a directory, but it is the config file "a"`},
		{name: "invalid key", files: map[string]string{"../x": "x"}, wantErr: `remove the ".." element`},
		{name: "invalid content", files: map[string]string{"config.yaml": "\x00"}, wantErr: "NUL byte"},
		{name: "file too large", files: map[string]string{"f": strings.Repeat("x", MaxConfigFileBytes+1)}, wantErr: "limit per file"},
		{name: "total too large", files: bigFiles, wantErr: "over the 33554432-byte (32 MiB) limit"},
		{name: "escaping template symlink", files: nil, manifest: &TemplateManifest{Entries: []TemplateEntry{
			{RelPath: "up", Kind: EntrySymlink, LinkTarget: "../.."},
		}}, wantErr: `symlink "up" -> "../.." points outside`},
		{name: "invalid template path", manifest: &TemplateManifest{Entries: []TemplateEntry{
			{RelPath: "/abs", Kind: EntryDir},
		}}, wantErr: `template path "/abs" must be relative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildConfigArchive(tt.manifest, tt.files)
			checkConfigErr(t, err, tt.wantErr)
			_, err = ExpectedHashes(tt.manifest, tt.files)
			checkConfigErr(t, err, tt.wantErr)
		})
	}
}

// reprefixArchive rewrites a tar stream the way Docker's CopyFromContainer
// presents the directory /configs: a "configs/" entry first, then every
// entry (and hard link target) under "configs/".
func reprefixArchive(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "configs/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		hdr.Name = "configs/" + hdr.Name
		if hdr.Typeflag == tar.TypeLink {
			hdr.Linkname = "configs/" + hdr.Linkname
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExpectedHashesMatchArchive(t *testing.T) {
	dir := makeArchiveTemplate(t)
	manifest, err := ScanTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := archiveConfigFiles()
	data, err := BuildConfigArchive(&manifest, files)
	if err != nil {
		t.Fatal(err)
	}
	expected, err := ExpectedHashes(&manifest, files)
	if err != nil {
		t.Fatal(err)
	}

	fromContainer, err := HashConfigArchive(bytes.NewReader(reprefixArchive(t, data)), "/configs")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(expected, fromContainer) {
		t.Errorf("ExpectedHashes = %v\nHashConfigArchive = %v", expected, fromContainer)
	}
	unprefixed, err := HashConfigArchive(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(expected, unprefixed) {
		t.Errorf("HashConfigArchive with root \"\" = %v, want %v", unprefixed, expected)
	}

	// Spot checks of the format.
	if got, want := expected["override.txt"], HashContent([]byte("from config_files\n")); got != want {
		t.Errorf("override.txt hash = %q, want %q", got, want)
	}
	if got := expected["current"]; got != "symlink:prompts" {
		t.Errorf("current hash = %q, want symlink:prompts", got)
	}
	for _, dir := range []string{"bin", "new", "new/dir", "prompts", "empty"} {
		if _, ok := expected[dir]; ok {
			t.Errorf("directory %q has a hash", dir)
		}
	}
	wantKeys := []string{
		"bin/run.sh", "config.yaml", "current", "data/blob.bin", "new/dir/.auth_token",
		"new/dir/settings.json", "new/top.yaml", "override.txt", "prompts/deep/system.md",
		"prompts/extra.md", "prompts/main.md", "replaced-link", "replaced-link-target.txt",
	}
	if got := slices.Sorted(maps.Keys(expected)); !slices.Equal(got, wantKeys) {
		t.Errorf("hashed paths = %q, want %q", got, wantKeys)
	}
}

func TestHashConfigArchive(t *testing.T) {
	type entry struct {
		hdr     tar.Header
		content string
	}
	build := func(entries ...entry) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			hdr := e.hdr
			hdr.Size = int64(len(e.content))
			if hdr.Mode == 0 {
				hdr.Mode = 0o644
			}
			if err := tw.WriteHeader(&hdr); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(e.content)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	dirEntry := func(name string) entry { return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeDir}} }
	fileEntry := func(name, content string) entry {
		return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg}, content: content}
	}
	hashA := HashContent([]byte("aaa"))

	tests := []struct {
		name    string
		root    string
		archive []byte
		want    map[string]string
		wantErr string
	}{
		{
			name: "docker layout",
			root: "/configs",
			archive: build(
				dirEntry("configs/"),
				fileEntry("configs/a.txt", "aaa"),
				dirEntry("configs/sub/"),
				fileEntry("configs/sub/empty", ""),
				entry{hdr: tar.Header{Name: "configs/sub/link", Typeflag: tar.TypeSymlink, Linkname: "../a.txt"}},
				entry{hdr: tar.Header{Name: "configs/fifo", Typeflag: tar.TypeFifo}},
			),
			want: map[string]string{
				"a.txt":     hashA,
				"sub/empty": HashContent(nil),
				"sub/link":  "symlink:../a.txt",
			},
		},
		{
			name:    "root entry without a slash and root with a trailing slash",
			root:    "/configs/",
			archive: build(dirEntry("configs"), fileEntry("configs/a.txt", "aaa")),
			want:    map[string]string{"a.txt": hashA},
		},
		{
			name: "hard links",
			root: "/configs",
			archive: build(
				fileEntry("configs/a.txt", "aaa"),
				entry{hdr: tar.Header{Name: "configs/same", Typeflag: tar.TypeLink, Linkname: "configs/a.txt"}},
				entry{hdr: tar.Header{Name: "configs/early", Typeflag: tar.TypeLink, Linkname: "configs/zzz"}},
				fileEntry("configs/zzz", "z"),
			),
			want: map[string]string{
				"a.txt": hashA,
				"same":  hashA,
				"early": "hardlink:zzz",
				"zzz":   HashContent([]byte("z")),
			},
		},
		{
			name:    "no root",
			root:    "",
			archive: build(dirEntry("d/"), fileEntry("d/a.txt", "aaa"), fileEntry("./b", "aaa")),
			want:    map[string]string{"d/a.txt": hashA, "b": hashA},
		},
		{
			name:    "empty archive",
			root:    "/configs",
			archive: build(),
			want:    map[string]string{},
		},
		{
			name:    "entry outside the root",
			root:    "/configs",
			archive: build(fileEntry("other/a.txt", "aaa")),
			wantErr: `unexpected entry "other/a.txt"`,
		},
		{
			name:    "truncated stream",
			root:    "/configs",
			archive: build(fileEntry("configs/a.txt", strings.Repeat("a", 2000)))[:1024],
			wantErr: "reading",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HashConfigArchive(bytes.NewReader(tt.archive), tt.root)
			checkConfigErr(t, err, tt.wantErr)
			if err == nil && !maps.Equal(got, tt.want) {
				t.Errorf("HashConfigArchive = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashContent(t *testing.T) {
	tests := map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	}
	for in, want := range tests {
		if got := HashContent([]byte(in)); got != want {
			t.Errorf("HashContent(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestManagedFilesFromHashes(t *testing.T) {
	got := ManagedFilesFromHashes(map[string]string{"b": "2", "a/c": "3", "a": "1"})
	want := []ManagedFile{{"a", "1"}, {"a/c", "3"}, {"b", "2"}}
	if !slices.Equal(got, want) {
		t.Errorf("ManagedFilesFromHashes = %v, want %v", got, want)
	}
	if got := ManagedFilesFromHashes(nil); got == nil || len(got) != 0 {
		t.Errorf("ManagedFilesFromHashes(nil) = %#v, want an empty slice", got)
	}
}

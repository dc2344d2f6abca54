// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

//go:build unix

// Unix only: the tests create FIFOs, symlinks and permission bits.

package workspace

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeTemplateFile creates dir/rel with content and mode, making parents.
func writeTemplateFile(t *testing.T, dir, rel, content string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// symlinkInTemplate creates the symlink dir/rel -> target, making parents.
func symlinkInTemplate(t *testing.T, dir, rel, target string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// sparseTemplateFile creates dir/rel with the given size without writing
// its bytes, so size-limit tests stay fast.
func sparseTemplateFile(t *testing.T, dir, rel string, size int64) {
	t.Helper()
	writeTemplateFile(t, dir, rel, "", 0o644)
	if err := os.Truncate(filepath.Join(dir, filepath.FromSlash(rel)), size); err != nil {
		t.Fatal(err)
	}
}

func entryByPath(t *testing.T, m TemplateManifest, rel string) TemplateEntry {
	t.Helper()
	for _, e := range m.Entries {
		if e.RelPath == rel {
			return e
		}
	}
	t.Fatalf("manifest has no entry %q; entries: %+v", rel, m.Entries)
	return TemplateEntry{}
}

func TestScanTemplate(t *testing.T) {
	dir := t.TempDir()
	writeTemplateFile(t, dir, "config.yaml", "name: agent\r\nmodel: x\r\n", 0o644)
	writeTemplateFile(t, dir, "bin/run.sh", "#!/bin/sh\n", 0o755)
	writeTemplateFile(t, dir, "prompts/deep/system.md", "be nice", 0o600)
	writeTemplateFile(t, dir, "a-b", "sorts between a and a/b", 0o644)
	writeTemplateFile(t, dir, "a/b", "x", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	symlinkInTemplate(t, dir, "current", "prompts")
	symlinkInTemplate(t, dir, "prompts/main.md", "deep/system.md")

	m, err := ScanTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}

	var gotPaths []string
	for _, e := range m.Entries {
		gotPaths = append(gotPaths, e.RelPath)
	}
	wantPaths := []string{
		"a", "a-b", "a/b", "bin", "bin/run.sh", "config.yaml", "current", "empty",
		"prompts", "prompts/deep", "prompts/deep/system.md", "prompts/main.md",
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Fatalf("entries = %q, want %q", gotPaths, wantPaths)
	}

	crlf := entryByPath(t, m, "config.yaml")
	if crlf.Kind != EntryFile || crlf.Size != 23 || crlf.Mode != 0o644 {
		t.Errorf("config.yaml = %+v, want a 23-byte 0644 file (CRLF bytes counted)", crlf)
	}
	if crlf.HostPath != filepath.Join(dir, "config.yaml") {
		t.Errorf("config.yaml HostPath = %q", crlf.HostPath)
	}
	if e := entryByPath(t, m, "bin/run.sh"); e.Mode != 0o755 || e.Kind != EntryFile {
		t.Errorf("bin/run.sh = %+v, want an executable file", e)
	}
	if e := entryByPath(t, m, "prompts/deep/system.md"); e.Mode != 0o600 {
		t.Errorf("system.md mode = %#o, want 0600", e.Mode)
	}
	if e := entryByPath(t, m, "empty"); e.Kind != EntryDir || e.Mode != 0o700 || e.Size != 0 {
		t.Errorf("empty = %+v, want a 0700 directory", e)
	}
	link := entryByPath(t, m, "current")
	if link.Kind != EntrySymlink || link.LinkTarget != "prompts" || link.Size != 0 {
		t.Errorf("current = %+v, want a symlink to prompts", link)
	}
	if e := entryByPath(t, m, "prompts/main.md"); e.Kind != EntrySymlink || e.LinkTarget != "deep/system.md" {
		t.Errorf("prompts/main.md = %+v, want a symlink to deep/system.md", e)
	}
	// The link to a directory is not followed.
	for _, e := range m.Entries {
		if strings.HasPrefix(e.RelPath, "current/") {
			t.Errorf("symlinked directory was followed: %q", e.RelPath)
		}
	}

	if want := int64(23 + 10 + 7 + 23 + 1); m.TotalBytes != want {
		t.Errorf("TotalBytes = %d, want %d", m.TotalBytes, want)
	}
	wantFiles := []string{"a-b", "a/b", "bin/run.sh", "config.yaml", "current", "prompts/deep/system.md", "prompts/main.md"}
	if got := m.Files(); !slices.Equal(got, wantFiles) {
		t.Errorf("Files() = %q, want %q", got, wantFiles)
	}
	if !m.HasConfigYAML() {
		t.Error("HasConfigYAML() = false, want true")
	}
}

func TestScanTemplateEmptyDir(t *testing.T) {
	m, err := ScanTemplate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 0 || m.TotalBytes != 0 || len(m.Files()) != 0 || m.HasConfigYAML() {
		t.Errorf("empty template gave %+v", m)
	}
}

func TestNilTemplateManifest(t *testing.T) {
	var m *TemplateManifest
	if m.Files() != nil || m.HasConfigYAML() {
		t.Error("a nil manifest should have no files and no config.yaml")
	}
}

func TestScanTemplateRootSymlink(t *testing.T) {
	real := t.TempDir()
	writeTemplateFile(t, real, "config.yaml", "a: 1\n", 0o644)
	link := filepath.Join(t.TempDir(), "tmpl")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	m, err := ScanTemplate(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Files(); !slices.Equal(got, []string{"config.yaml"}) {
		t.Errorf("Files() = %q, want the target directory's files", got)
	}
}

func TestScanTemplateSymlinksInside(t *testing.T) {
	dir := t.TempDir()
	writeTemplateFile(t, dir, "config.yaml", "a: 1\n", 0o644)
	symlinkInTemplate(t, dir, "self", ".")
	symlinkInTemplate(t, dir, "sub/up", "../config.yaml")
	symlinkInTemplate(t, dir, "sub/deeper/up2", "../../sub/./up")
	symlinkInTemplate(t, dir, "dangling", "does/not/exist")
	symlinkInTemplate(t, dir, "via-self", "self/config.yaml")
	symlinkInTemplate(t, dir, "sub/root", "..")
	if _, err := ScanTemplate(dir); err != nil {
		t.Fatalf("links inside the template were refused: %v", err)
	}
}

func TestScanTemplateSymlinksEscaping(t *testing.T) {
	tests := []struct {
		name   string
		links  map[string]string // relpath -> target
		errFor string            // the link named in the error
	}{
		{name: "parent", links: map[string]string{"out": "../outside"}, errFor: `"out" -> "../outside" points outside`},
		{name: "dotdot", links: map[string]string{"out": ".."}, errFor: `"out" -> ".." points outside`},
		{name: "nested escape", links: map[string]string{"sub/out": "../../x"}, errFor: `"sub/out"`},
		{name: "down then up", links: map[string]string{"out": "a/b/../../../x"}, errFor: `"out"`},
		{name: "absolute", links: map[string]string{"abs": "/etc/passwd"}, errFor: `"abs" -> "/etc/passwd" is absolute`},
		{name: "through a link to the root", links: map[string]string{"self": ".", "x": "self/../etc"}, errFor: `"x" -> "self/../etc" points outside`},
		{name: "through a link to a subdir", links: map[string]string{"d": "sub/inner", "x": "d/../../.."}, errFor: `"x"`},
		{name: "chain into an absolute link", links: map[string]string{"a": "b/x", "b": "/etc"}, errFor: `"b" -> "/etc" is absolute`},
		{name: "loop", links: map[string]string{"a": "b", "b": "a"}, errFor: "symlink loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTemplateFile(t, dir, "sub/inner/file", "x", 0o644)
			for rel, target := range tt.links {
				symlinkInTemplate(t, dir, rel, target)
			}
			_, err := ScanTemplate(dir)
			checkConfigErr(t, err, tt.errFor)
		})
	}
}

func TestScanTemplateRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	writeTemplateFile(t, dir, "config.yaml", "a: 1\n", 0o644)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "sub", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ScanTemplate(dir)
	checkConfigErr(t, err, `"sub/pipe" is a named pipe (FIFO)`)
}

func TestScanTemplateSizeLimits(t *testing.T) {
	t.Run("file at the limit", func(t *testing.T) {
		dir := t.TempDir()
		sparseTemplateFile(t, dir, "big", MaxConfigFileBytes)
		if _, err := ScanTemplate(dir); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("file over the limit", func(t *testing.T) {
		dir := t.TempDir()
		sparseTemplateFile(t, dir, "data/big.bin", MaxConfigFileBytes+1)
		_, err := ScanTemplate(dir)
		checkConfigErr(t, err, `file "data/big.bin" is 1048577 bytes, over the 1048576-byte`)
	})
	t.Run("total over the limit", func(t *testing.T) {
		dir := t.TempDir()
		for i := range MaxConfigTotalBytes/MaxConfigFileBytes + 1 {
			sparseTemplateFile(t, dir, filepath.Join("parts", string(rune('a'+i/26))+string(rune('a'+i%26))), MaxConfigFileBytes)
		}
		_, err := ScanTemplate(dir)
		checkConfigErr(t, err, "more than 33554432 bytes")
		checkConfigErr(t, err, `"parts/bg"`)
	})
}

func TestScanTemplateBadRoot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("a: 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		wantErr string
	}{
		{name: "empty", dir: "", wantErr: "must not be empty"},
		{name: "relative", dir: "templates/agent", wantErr: `"templates/agent" must be an absolute path`},
		{name: "dot", dir: ".", wantErr: "must be an absolute path"},
		{name: "missing", dir: filepath.Join(t.TempDir(), "nope"), wantErr: "does not exist"},
		{name: "file", dir: file, wantErr: "is a regular file, not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ScanTemplate(tt.dir)
			checkConfigErr(t, err, tt.wantErr)
		})
	}
}

func TestScanTemplateRefusesBadNames(t *testing.T) {
	dir := t.TempDir()
	writeTemplateFile(t, dir, "line\nbreak.txt", "x", 0o644)
	_, err := ScanTemplate(dir)
	checkConfigErr(t, err, "control character U+000A")
}

func TestScanTemplateUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root reads any file: run this test again as nobody, so CI (root)
		// still checks the unreadable case instead of skipping it.
		rerunAsNobody(t, "^TestScanTemplateUnreadable$")
		return
	}
	t.Run("file", func(t *testing.T) {
		dir := t.TempDir()
		writeTemplateFile(t, dir, "secret.txt", "x", 0o000)
		_, err := ScanTemplate(dir)
		checkConfigErr(t, err, `cannot read file "secret.txt"`)
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		writeTemplateFile(t, dir, "locked/file", "x", 0o644)
		locked := filepath.Join(dir, "locked")
		if err := os.Chmod(locked, 0o000); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(locked, 0o755) })
		_, err := ScanTemplate(dir)
		checkConfigErr(t, err, "cannot read")
	})
}

func TestHasConfigYAML(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  bool
	}{
		{name: "regular file", want: true, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "config.yaml", "a: 1\n", 0o644)
		}},
		{name: "read-only file", want: true, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "config.yaml", "a: 1\n", 0o444)
		}},
		{name: "missing", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "other.yaml", "a: 1\n", 0o644)
		}},
		{name: "empty file", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "config.yaml", "", 0o644)
		}},
		{name: "directory", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "config.yaml/inner", "a: 1\n", 0o644)
		}},
		{name: "symlink", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "real.yaml", "a: 1\n", 0o644)
			symlinkInTemplate(t, dir, "config.yaml", "real.yaml")
		}},
		{name: "only nested", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "sub/config.yaml", "a: 1\n", 0o644)
		}},
		{name: "different case", want: false, setup: func(t *testing.T, dir string) {
			writeTemplateFile(t, dir, "Config.yaml", "a: 1\n", 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			m, err := ScanTemplate(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.HasConfigYAML(); got != tt.want {
				t.Errorf("HasConfigYAML() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEntryKindString(t *testing.T) {
	for kind, want := range map[EntryKind]string{EntryFile: "file", EntryDir: "directory", EntrySymlink: "symlink", 0: "EntryKind(0)"} {
		if got := kind.String(); got != want {
			t.Errorf("EntryKind(%d).String() = %q, want %q", int(kind), got, want)
		}
	}
}

// rerunAsNobody runs the named test of this test binary as uid/gid 65534 and
// fails when it fails. The binary is copied where nobody may execute it.
func rerunAsNobody(t *testing.T, pattern string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "molecule-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "provisioner.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run="+pattern, "-test.v", "-test.count=1")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=/tmp", "HOME=/tmp"}
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") || strings.Contains(string(out), "--- SKIP") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

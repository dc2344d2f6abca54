// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"archive/tar"
	"bytes"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for what untrusted text flows through: config file keys and
// contents, workspace ids turned into Docker names, env entries, and the
// tar stream read back from a container's /configs (which the agent inside
// controls). `make fuzz` runs each briefly; the seed corpus lives in
// testdata/fuzz/<target>/ and runs with every go test.

// dockerNamePattern is Docker's rule for container and volume names.
var dockerNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func FuzzValidateConfigFileKey(f *testing.F) {
	for _, seed := range []string{"config.yaml", "a/b/c.json", "../x", "/etc/passwd", "./a", "a//b", "a/", ".", "", "C:/x", `a\b`, "a/../b", "\x00", "é/ü.yaml", ".auth_token", strings.Repeat("a", 256)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if err := ValidateConfigFileKey(key); err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		switch {
		case key == "", strings.HasPrefix(key, "/"), path.Clean(key) != key, !utf8.ValidString(key), strings.ContainsRune(key, '\\'):
			t.Fatalf("accepted %q, which is empty, absolute, unclean, not UTF-8 or has a backslash", key)
		case strings.IndexFunc(key, unicode.IsControl) >= 0:
			t.Fatalf("accepted %q with a control character", key)
		}
		for elem := range strings.SplitSeq(key, "/") {
			if elem == ".." || elem == "." || elem == "" {
				t.Fatalf("accepted %q with element %q", key, elem)
			}
		}
		if joined := path.Join("/configs", key); !strings.HasPrefix(joined, "/configs/") {
			t.Fatalf("accepted %q, which lands at %q outside /configs", key, joined)
		}
		if m := FileModeFor(key); m != ConfigFileMode && m != SecretConfigFileMode {
			t.Fatalf("mode %#o for %q", m, key)
		}
	})
}

func FuzzValidateConfigFileContent(f *testing.F) {
	f.Add("config.yaml", "name: a\n")
	f.Add("x.json", "{\"a\":\"\x00\"}")
	f.Add("notes.txt", "\xff\xfe binary is fine here")
	f.Add("c.YML", "a: \xff")
	f.Fuzz(func(t *testing.T, key, content string) {
		err := ValidateConfigFileContent(key, content)
		if len(content) > MaxConfigFileBytes && err == nil {
			t.Fatalf("accepted %d bytes", len(content))
		}
		if err == nil && isStructuredTextFile(key) && (!utf8.ValidString(content) || strings.IndexByte(content, 0) >= 0) {
			t.Fatalf("accepted non-UTF-8 or NUL content for %q", key)
		}
	})
}

func FuzzNames(f *testing.F) {
	for _, seed := range []string{"3f1c2a9e-7b4d-4e5f-8a6b-1c2d3e4f5a6b", "a", "tfacc1234567-x", "aaaaaaaa-bbbb", "é€漢字-unicode-id", "", "x.y_z-1"} {
		f.Add(seed)
	}
	idPattern := regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	f.Fuzz(func(t *testing.T, id string) {
		short := ShortID(id)
		if !strings.HasPrefix(id, short) || len(short) > ShortIDLength || (len(id) >= ShortIDLength && len(short) != ShortIDLength) {
			t.Fatalf("ShortID(%q) = %q", id, short)
		}
		name := ContainerName(id)
		if name != "ws-"+short {
			t.Fatalf("ContainerName(%q) = %q", id, name)
		}
		for _, derived := range []string{ConfigVolumeName(id), WorkspaceVolumeName(id)} {
			if !strings.HasPrefix(derived, name+"-") {
				t.Fatalf("%q does not derive from container name %q", derived, name)
			}
		}
		if InternalURL(id) != "http://"+name+":8000" {
			t.Fatalf("InternalURL(%q) = %q", id, InternalURL(id))
		}
		// Ids of the validated form always give names Docker accepts.
		if idPattern.MatchString(id) {
			for _, n := range []string{name, ConfigVolumeName(id), WorkspaceVolumeName(id)} {
				if !dockerNamePattern.MatchString(n) {
					t.Fatalf("id %q gives the Docker name %q, which Docker refuses", id, n)
				}
			}
		}
	})
}

func FuzzContainerEnv(f *testing.F) {
	f.Add("API_KEY", "sk-123", "SECRET", "s")
	f.Add("WORKSPACE_ID", "evil", "TIER", "9")
	f.Add("A", "x=y=z", "B", "")
	f.Fuzz(func(t *testing.T, key, value, secretKey, secretValue string) {
		s := WorkspaceSpec{WorkspaceID: "ws-fuzz-id", Tier: 2, PlatformURL: "http://platform",
			Env: map[string]string{key: value}, SecretEnv: map[string]string{secretKey: secretValue}}
		env := ParseEnv(ContainerEnv(s))
		for k, v := range InjectedEnv(s) {
			if env[k] != v {
				t.Fatalf("user env overrode injected %s: %q, want %q", k, env[k], v)
			}
		}
		plain := func(k string) bool { return k != "" && !strings.ContainsAny(k, "=") && !IsInjectedEnvKey(k) }
		if plain(secretKey) && env[secretKey] != secretValue {
			t.Fatalf("secret env %q = %q lost", secretKey, secretValue)
		}
		if plain(key) && key != secretKey && env[key] != value {
			t.Fatalf("env %q = %q lost", key, value)
		}
		// Labels record the keys, never the values: blanking every value
		// leaves them as they are.
		blank := s
		blank.Env = map[string]string{key: ""}
		blank.SecretEnv = map[string]string{secretKey: ""}
		if !maps.Equal(ContainerLabels(s), ContainerLabels(blank)) {
			t.Fatalf("labels depend on env values: %v", ContainerLabels(s))
		}
	})
}

func FuzzConfigArchiveRoundTrip(f *testing.F) {
	f.Add("prompts/system.md", "be nice")
	f.Add(".auth_token", "secret")
	f.Add("config.yaml", "override")
	f.Add("a/b/c/d.json", `{"k": 1}`)
	f.Fuzz(func(t *testing.T, key, content string) {
		files := map[string]string{"config.yaml": "name: fuzz\n", key: content}
		archive, err := BuildConfigArchive(nil, files)
		if err != nil {
			return // refused: the validators explain why
		}
		want, err := ExpectedHashes(nil, files)
		if err != nil {
			t.Fatalf("built an archive but ExpectedHashes fails: %v", err)
		}
		got, err := HashConfigArchive(bytes.NewReader(archive), "")
		if err != nil {
			t.Fatalf("cannot read back our own archive: %v", err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("archive hashes %v, expected %v", got, want)
		}
		tr := tar.NewReader(bytes.NewReader(archive))
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			name := strings.TrimSuffix(hdr.Name, "/")
			if strings.HasPrefix(name, "/") || path.Clean(name) != name || slices.Contains(strings.Split(name, "/"), "..") {
				t.Fatalf("archive entry %q may land outside /configs", hdr.Name)
			}
			if hdr.Uid != ConfigOwnerUID || hdr.Gid != ConfigOwnerGID {
				t.Fatalf("entry %q owned by %d:%d", hdr.Name, hdr.Uid, hdr.Gid)
			}
			if hdr.Typeflag == tar.TypeReg && hdr.Mode != FileModeFor(name) {
				t.Fatalf("entry %q has mode %#o, want %#o", name, hdr.Mode, FileModeFor(name))
			}
		}
	})
}

func FuzzHashConfigArchive(f *testing.F) {
	good, _ := BuildConfigArchive(nil, map[string]string{"config.yaml": "a: 1\n", "sub/x.txt": "x"})
	f.Add(good, "")
	f.Add(good, "/configs")
	f.Add([]byte("not a tar"), "/configs")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, data []byte, root string) {
		if declaresHugeFile(data) {
			return // a sparse header can declare gigabytes of zeros: slow, not wrong
		}
		// Whatever a container holds must give hashes or an error, never a panic.
		hashes, err := HashConfigArchive(bytes.NewReader(data), root)
		if err == nil {
			for rel := range hashes {
				if rel == "" || rel == "." {
					t.Fatalf("empty relative path in %v", hashes)
				}
			}
		}
	})
}

// declaresHugeFile reports whether a tar stream announces a file over the
// config limits (headers only; reading them is cheap).
func declaresHugeFile(data []byte) bool {
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return false
		}
		if hdr.Size > MaxConfigFileBytes {
			return true
		}
	}
}

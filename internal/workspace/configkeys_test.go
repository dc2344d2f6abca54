// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"strings"
	"testing"
)

func TestValidateConfigFileKey(t *testing.T) {
	tests := []struct {
		key     string
		wantErr string // substring of the error; "" means valid
	}{
		{key: "config.yaml"},
		{key: "prompts/system.md"},
		{key: "a/b/c/d.txt"},
		{key: ".auth_token"},
		{key: "..hidden"},
		{key: "a..b"},
		{key: "dir/..."},
		{key: "with space.txt"},
		{key: "ünïcødé/файл.yaml"},
		{key: "ab:c"},
		{key: "a:b", wantErr: "Windows drive letter"},
		{key: strings.Repeat("x", 255)},
		{key: strings.Repeat("abcdefg/", 127) + "abc"},

		{key: "", wantErr: "must not be empty"},
		{key: ".", wantErr: "names /configs itself"},
		{key: "..", wantErr: `remove the ".." element`},
		{key: "../x", wantErr: `must stay inside /configs: remove the ".." element`},
		{key: "a/../b", wantErr: `remove the ".." element`},
		{key: "a/..", wantErr: `remove the ".." element`},
		{key: "/etc/passwd", wantErr: `remove the leading "/"`},
		{key: "/", wantErr: `remove the leading "/"`},
		{key: `C:\x`, wantErr: "backslash"},
		{key: "C:/x", wantErr: "Windows drive letter"},
		{key: "c:", wantErr: "Windows drive letter"},
		{key: `a\b`, wantErr: "backslash"},
		{key: "./config.yaml", wantErr: `write it as "config.yaml"`},
		{key: "a//b", wantErr: `write it as "a/b"`},
		{key: "dir/", wantErr: `write it as "dir"`},
		{key: "a/./b", wantErr: `write it as "a/b"`},
		{key: "nul\x00byte", wantErr: "control character U+0000"},
		{key: "new\nline", wantErr: "control character U+000A"},
		{key: "tab\there", wantErr: "control character U+0009"},
		{key: "del\x7f", wantErr: "control character U+007F"},
		{key: "c1\u0085", wantErr: "control character U+0085"},
		{key: "bad\xffutf8", wantErr: "not valid UTF-8"},
		{key: strings.Repeat("x", 256), wantErr: "element of 256 bytes"},
		{key: "d/" + strings.Repeat("x", 256) + "/f", wantErr: "element of 256 bytes"},
		{key: strings.Repeat("abcdefg/", 128) + "a", wantErr: "over the 1024-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			err := ValidateConfigFileKey(tt.key)
			checkConfigErr(t, err, tt.wantErr)
		})
	}
}

func TestValidateConfigFileKeyQuotesKey(t *testing.T) {
	err := ValidateConfigFileKey("../x")
	want := `config file key "../x" must stay inside /configs: remove the ".." element`
	if err == nil || err.Error() != want {
		t.Fatalf("ValidateConfigFileKey(../x) = %v, want %q", err, want)
	}
}

func TestValidateConfigFileContent(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		content string
		wantErr string
	}{
		{name: "yaml", key: "config.yaml", content: "name: agent\n"},
		{name: "empty yaml", key: "config.yaml", content: ""},
		{name: "crlf yaml", key: "config.yaml", content: "a: 1\r\nb: 2\r\n"},
		{name: "utf8 json", key: "x.json", content: `{"k":"värde"}`},
		{name: "binary blob", key: "model.bin", content: "\x00\xff\xfe"},
		{name: "latin1 text", key: "notes.txt", content: "caf\xe9"},
		{name: "exactly the limit", key: "big.txt", content: strings.Repeat("a", MaxConfigFileBytes)},

		{name: "over the limit", key: "big.txt", content: strings.Repeat("a", MaxConfigFileBytes+1), wantErr: "is 1048577 bytes, over the 1048576-byte"},
		{name: "over the limit yaml", key: "config.yaml", content: strings.Repeat("a", MaxConfigFileBytes+1), wantErr: "over the 1048576-byte"},
		{name: "nul in config.yaml", key: "config.yaml", content: "a: \x00", wantErr: "NUL byte"},
		{name: "nul in yml", key: "sub/x.yml", content: "\x00", wantErr: "NUL byte"},
		{name: "nul in JSON upper ext", key: "X.JSON", content: "{}\x00", wantErr: "NUL byte"},
		{name: "invalid utf8 yaml", key: "config.yaml", content: "a: caf\xe9", wantErr: "not valid UTF-8"},
		{name: "invalid utf8 json", key: "a.json", content: "\xff", wantErr: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateConfigFileContent(tt.key, tt.content)
			checkConfigErr(t, err, tt.wantErr)
			if err != nil && !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name the key %q", err, tt.key)
			}
		})
	}
}

func TestFileModeFor(t *testing.T) {
	tests := []struct {
		relPath string
		want    int64
	}{
		{"config.yaml", 0o644},
		{"prompts/system.md", 0o644},
		{"README", 0o644},
		{"keys/readme.txt", 0o644},
		{"secrets/plain.txt", 0o644}, // only the base name counts
		{"monkey.txt", 0o644},
		{"key", 0o644},
		{"keyboard.key.txt", 0o644},

		{".auth", 0o600},
		{".auth_token", 0o600},
		{".authrc", 0o600},
		{"sub/.auth.json", 0o600},
		{"github_token", 0o600},
		{"TOKEN.txt", 0o600},
		{"client_secret.json", 0o600},
		{"Secrets.env", 0o600},
		{"credentials", 0o600},
		{"gcp-credential.json", 0o600},
		{"server.key", 0o600},
		{"tls/server.KEY", 0o600},
		{"ca.pem", 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.relPath, func(t *testing.T) {
			if got := FileModeFor(tt.relPath); got != tt.want {
				t.Errorf("FileModeFor(%q) = %#o, want %#o", tt.relPath, got, tt.want)
			}
		})
	}
	if ConfigDirMode != 0o755 {
		t.Errorf("ConfigDirMode = %#o, want 0755", ConfigDirMode)
	}
}

// checkConfigErr fails t unless err is nil when wantErr is empty, or contains
// wantErr otherwise.
func checkConfigErr(t *testing.T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr != "" && err == nil:
		t.Fatalf("got no error, want one containing %q", wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Fatalf("error %q does not contain %q", err, wantErr)
	}
}

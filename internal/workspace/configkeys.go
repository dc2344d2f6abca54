// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Size limits for the files placed in a workspace's /configs volume. They
// keep the tar stream sent to Docker (and the copy kept in Terraform state)
// small; agent configuration is text and rarely approaches them.
const (
	// MaxConfigFileBytes is the largest single file accepted.
	MaxConfigFileBytes = 1 << 20
	// MaxConfigTotalBytes is the largest total size of all files together.
	MaxConfigTotalBytes = 32 << 20
)

// Permission bits given to entries written into /configs.
const (
	// ConfigFileMode is the mode of an ordinary config_files entry.
	ConfigFileMode int64 = 0o644
	// SecretConfigFileMode is the mode of a config_files entry whose name
	// suggests it holds a credential; see FileModeFor.
	SecretConfigFileMode int64 = 0o600
	// ConfigDirMode is the mode of directories created for config_files
	// entries that live in subdirectories.
	ConfigDirMode int64 = 0o755
)

// Limits on path lengths, matching common Linux filesystems (NAME_MAX) and
// staying well below PATH_MAX once prefixed with /configs/.
const (
	maxConfigPathElementBytes = 255
	maxConfigPathBytes        = 1024
)

// ValidateConfigFileKey reports whether key can be used as a path relative to
// /configs. A valid key is non-empty, relative, already clean (as path.Clean
// would return it), made of valid UTF-8 without control characters, free of
// "." and ".." elements and within the length limits. The error explains what
// is wrong and how to fix it.
func ValidateConfigFileKey(key string) error {
	return validateConfigPath("config file key", key)
}

// validateConfigPath implements ValidateConfigFileKey; what names the kind of
// path in error messages, so template paths can be checked with the same rules.
func validateConfigPath(what, p string) error {
	if p == "" {
		return fmt.Errorf("%s must not be empty: give a path relative to /configs, such as \"config.yaml\"", what)
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("%s %q is not valid UTF-8: use a UTF-8 encoded path", what, p)
	}
	if i := strings.IndexFunc(p, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%s %q contains the control character %U: remove it", what, p, []rune(p[i:])[0])
	}
	if len(p) > maxConfigPathBytes {
		return fmt.Errorf("%s %q is %d bytes long, over the %d-byte limit: use a shorter path", what, p, len(p), maxConfigPathBytes)
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("%s %q must be relative to /configs: remove the leading \"/\"", what, p)
	}
	if strings.Contains(p, `\`) {
		return fmt.Errorf("%s %q contains a backslash: separate directories with \"/\"", what, p)
	}
	if hasWindowsDrive(p) {
		return fmt.Errorf("%s %q starts with a Windows drive letter: give a path relative to /configs", what, p)
	}
	if p == "." {
		return fmt.Errorf("%s %q names /configs itself: give a file path such as \"config.yaml\"", what, p)
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == ".." {
			return fmt.Errorf("%s %q must stay inside /configs: remove the \"..\" element", what, p)
		}
	}
	if clean := path.Clean(p); clean != p {
		return fmt.Errorf("%s %q is not a clean path (no \"./\", \"//\" or trailing \"/\"): write it as %q", what, p, clean)
	}
	for elem := range strings.SplitSeq(p, "/") {
		if len(elem) > maxConfigPathElementBytes {
			return fmt.Errorf("%s %q has an element of %d bytes, over the %d-byte limit: shorten %q", what, p, len(elem), maxConfigPathElementBytes, elem)
		}
	}
	return nil
}

// hasWindowsDrive reports whether p starts like "C:", which would be treated
// as an absolute path by a Windows host and is never what a user means here.
func hasWindowsDrive(p string) bool {
	if len(p) < 2 || p[1] != ':' {
		return false
	}
	c := p[0]
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// ValidateConfigFileContent reports whether content may be written to the
// config file key: it must fit MaxConfigFileBytes, and structured text files
// (*.yaml, *.yml, *.json, which includes config.yaml) must be valid UTF-8
// without NUL bytes, since the agent parses them as text.
func ValidateConfigFileContent(key, content string) error {
	if len(content) > MaxConfigFileBytes {
		return fmt.Errorf("config file %q is %d bytes, over the %d-byte (1 MiB) limit per file: shrink it or ship it in the template directory as several smaller files", key, len(content), MaxConfigFileBytes)
	}
	if !isStructuredTextFile(key) {
		return nil
	}
	if strings.IndexByte(content, 0) >= 0 {
		return fmt.Errorf("config file %q contains a NUL byte, which is never valid in YAML or JSON: remove it", key)
	}
	if !utf8.ValidString(content) {
		return fmt.Errorf("config file %q is not valid UTF-8: save it as UTF-8 text", key)
	}
	return nil
}

// isStructuredTextFile reports whether relPath names a YAML or JSON file.
func isStructuredTextFile(relPath string) bool {
	switch strings.ToLower(path.Ext(relPath)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// FileModeFor returns the permission bits for a config_files entry at
// relPath: SecretConfigFileMode when its base name looks like it holds a
// credential (starts with ".auth", contains "token", "secret" or
// "credential", or ends in ".key" or ".pem", ignoring case), and
// ConfigFileMode otherwise. Directories use ConfigDirMode.
func FileModeFor(relPath string) int64 {
	if looksSecret(path.Base(relPath)) {
		return SecretConfigFileMode
	}
	return ConfigFileMode
}

// templateMode keeps a template entry's mode from the host, except that a
// file whose name looks like a credential (see FileModeFor) loses the group
// and other bits: a token copied from a world-readable template stays
// private to the agent.
func templateMode(e TemplateEntry) int64 {
	if e.Kind == EntryFile && looksSecret(path.Base(e.RelPath)) {
		return e.Mode &^ 0o077
	}
	return e.Mode
}

// looksSecret errs on the side of caution: a false positive only makes a
// file unreadable to users other than the agent, which owns it.
func looksSecret(name string) bool {
	name = strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, ".auth"),
		strings.HasSuffix(name, ".key"),
		strings.HasSuffix(name, ".pem"):
		return true
	}
	for _, word := range []string{"token", "secret", "credential"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}

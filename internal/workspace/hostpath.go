// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// HostDirError is a host directory that cannot be bound at /workspace; its
// message starts with the directory.
type HostDirError struct {
	Dir     string
	Problem string // what is wrong, e.g. "does not exist on the engine's host: ..."
	Err     error
}

func (e *HostDirError) Error() string { return e.Dir + " " + e.Problem }

func (e *HostDirError) Unwrap() error { return e.Err }

// CheckWorkspaceDir checks that a host directory to bind at /workspace exists
// and is a directory: nil or a *HostDirError. The provider never creates
// host directories.
func CheckWorkspaceDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &HostDirError{Dir: dir, Problem: "does not exist on the engine's host: create it first (the provider never creates host directories)", Err: err}
	case err != nil:
		return &HostDirError{Dir: dir, Problem: "cannot be checked: " + err.Error(), Err: err}
	case !info.IsDir():
		return &HostDirError{Dir: dir, Problem: fmt.Sprintf("is a %s, not a directory: give a directory to mount at /workspace", describeFileMode(info.Mode()))}
	}
	return nil
}

// hostControlDirs are directories whose write access is control of the host.
var hostControlDirs = []string{"/etc", "/root", "/boot", "/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/var/lib/docker"}

// HostAccessViaPath explains why binding dir at /workspace would give the
// workspace control of the host (the host's root or a system directory, or a
// directory holding the engine's socket), or returns "". Such a bind is host
// access like tier 4's and needs allow_privileged_tiers.
func HostAccessViaPath(dir, engineSocket string) string {
	clean := resolved(dir)
	if clean == "/" {
		return "it is the host's root directory"
	}
	for _, sys := range hostControlDirs {
		if clean == sys || strings.HasPrefix(clean, sys+"/") {
			return fmt.Sprintf("it is inside the host's system directory %s", sys)
		}
	}
	for _, sock := range []string{engineSocket, "/var/run/docker.sock", "/run/docker.sock"} {
		if sock == "" {
			continue
		}
		if s := resolved(sock); strings.HasPrefix(s, clean+"/") {
			return fmt.Sprintf("it holds the Docker socket %s, which controls every container on the engine", sock)
		}
	}
	return ""
}

// resolved cleans a path and resolves its symlinks when it exists
// (/var/run is often a link to /run).
func resolved(p string) string {
	clean := filepath.Clean(p)
	if real, err := filepath.EvalSymlinks(clean); err == nil {
		return real
	}
	return clean
}

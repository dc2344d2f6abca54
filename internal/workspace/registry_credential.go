// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import "strings"

// RegistryCredential is one explicit registry login (the provider's
// registry_auth). Password is never logged or put in a message.
type RegistryCredential struct {
	Address  string
	Username string
	Password string
}

// NormalizeRegistryHost maps the spellings of a registry address to one key:
// no scheme, no path, lower case, Docker Hub's aliases to docker.io.
func NormalizeRegistryHost(address string) string {
	h := strings.ToLower(strings.TrimSpace(address))
	h = strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	switch h {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return "docker.io"
	}
	return h
}

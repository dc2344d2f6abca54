// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/registry"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Credentials finds the login for a registry: explicit entries first, then
// the Docker client configuration of this host (DOCKER_CONFIG, else
// ~/.docker/config.json): a credential helper when its binary is on PATH,
// then the file's auths.
type Credentials struct {
	Explicit []workspace.RegistryCredential
	// ConfigPath is the Docker client config file; "" means the default.
	ConfigPath string
}

// credential is a resolved login and where it came from (for messages).
type credential struct {
	auth   registry.AuthConfig
	source string
}

// DockerConfigPath is the Docker client config file this host uses.
func DockerConfigPath() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// dockerConfig is the part of config.json that holds logins.
type dockerConfig struct {
	Auths map[string]struct {
		Auth          string `json:"auth"`
		Username      string `json:"username"`
		Password      string `json:"password"`
		IdentityToken string `json:"identitytoken"`
	} `json:"auths"`
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// lookup returns the login for a registry host, ok false when none is known.
func (c Credentials) lookup(ctx context.Context, host string) (credential, bool, error) {
	host = workspace.NormalizeRegistryHost(host)
	for _, e := range c.Explicit {
		if workspace.NormalizeRegistryHost(e.Address) == host {
			return credential{auth: registry.AuthConfig{Username: e.Username, Password: e.Password, ServerAddress: e.Address},
				source: "the login given to the provider for " + e.Address}, true, nil
		}
	}
	path := c.ConfigPath
	if path == "" {
		path = DockerConfigPath()
	}
	if path == "" {
		return credential{}, false, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return credential{}, false, nil
	}
	if err != nil {
		return credential{}, false, fmt.Errorf("reading Docker client config %s: %w", path, err)
	}
	var cfg dockerConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return credential{}, false, fmt.Errorf("the Docker client config %s is not valid JSON: %v", path, err)
	}
	var key string
	for k := range cfg.Auths {
		if workspace.NormalizeRegistryHost(k) == host {
			key = k
		}
	}
	helper := cfg.CredHelpers[host]
	if helper == "" {
		for k, h := range cfg.CredHelpers {
			if workspace.NormalizeRegistryHost(k) == host {
				helper = h
			}
		}
	}
	if helper == "" {
		helper = cfg.CredsStore
	}
	if helper != "" {
		if bin, err := exec.LookPath("docker-credential-" + helper); err == nil {
			serverKey := key
			if serverKey == "" {
				serverKey = host
			}
			cred, found, err := runCredentialHelper(ctx, bin, serverKey)
			if err != nil {
				return credential{}, false, err
			}
			if found {
				cred.source = "credential helper docker-credential-" + helper + " (" + path + ")"
				return cred, true, nil
			}
		}
	}
	if key == "" {
		return credential{}, false, nil
	}
	a := cfg.Auths[key]
	auth := registry.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, ServerAddress: key}
	if a.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil {
			return credential{}, false, fmt.Errorf("the Docker client config %s: the auth of %s is not base64", path, key)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return credential{}, false, fmt.Errorf("the Docker client config %s: the auth of %s is not user:password", path, key)
		}
		auth.Username, auth.Password = user, pass
	}
	if auth.Username == "" && auth.IdentityToken == "" {
		return credential{}, false, nil
	}
	return credential{auth: auth, source: "auths entry " + key + " in " + path}, true, nil
}

// runCredentialHelper asks a docker-credential-* binary for a login.
func runCredentialHelper(ctx context.Context, bin, server string) (credential, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "get")
	cmd.Stdin = strings.NewReader(server)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String() + stderr.String())
		if strings.Contains(strings.ToLower(msg), "credentials not found") {
			return credential{}, false, nil
		}
		return credential{}, false, fmt.Errorf("credential helper %s for %s failed: %v: %s", filepath.Base(bin), server, err, msg)
	}
	var resp struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
		return credential{}, false, fmt.Errorf("credential helper %s for %s answered no JSON", filepath.Base(bin), server)
	}
	auth := registry.AuthConfig{Username: resp.Username, Password: resp.Secret, ServerAddress: server}
	if resp.Username == "<token>" {
		auth = registry.AuthConfig{IdentityToken: resp.Secret, ServerAddress: server}
	}
	return credential{auth: auth}, true, nil
}

// encodedAuth is the X-Registry-Auth header for ref's registry ("" without a
// login) and a description of where the login came from ("" without one).
func (c Credentials) encodedAuth(ctx context.Context, ref workspace.ImageRef) (header, source string, err error) {
	cred, ok, err := c.lookup(ctx, ref.Registry())
	if err != nil || !ok {
		return "", "", err
	}
	header, err = registry.EncodeAuthConfig(cred.auth)
	if err != nil {
		return "", "", fmt.Errorf("encoding the login for %s: %w", ref.Registry(), err)
	}
	return header, cred.source, nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// classifyRegistryError turns the engine's answer to a pull or a
// distribution inspect into a RegistryError.
func (e *Engine) classifyRegistryError(ref workspace.ImageRef, loginSource string, err error) *workspace.RegistryError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "Error response from daemon: ")
	lower := strings.ToLower(msg)
	problem := workspace.RegistryOther
	switch {
	case cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) ||
		containsAny(lower, "unauthorized", "authentication required", "no basic auth credentials", "denied", "incorrect username or password"):
		problem = workspace.RegistryAuth
	case containsAny(lower, "manifest unknown", "name unknown", "not found", "repository does not exist", "no such image"):
		problem = workspace.RegistryNotFound
	case containsAny(lower, "connection refused", "no such host", "i/o timeout", "dial tcp", "tls:", "x509:", "server gave http response", "connection reset", "network is unreachable", "eof", "timeout"):
		problem = workspace.RegistryUnreachable
	case cerrdefs.IsNotFound(err):
		problem = workspace.RegistryNotFound
	}
	return &workspace.RegistryError{Ref: ref, Problem: problem, LoginSource: loginSource, EngineSaid: msg, Engine: e.host}
}

func containsAny(s string, parts ...string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// RegistryDigest asks the registry, through the engine (which trusts the
// registry's CA and reaches it from the engine's host), for the digest the
// reference points to now. One call per distinct image per provider run,
// however many workspaces plan it at once.
func (e *Engine) RegistryDigest(ctx context.Context, ref workspace.ImageRef) (string, error) {
	v, _ := e.digestCache.LoadOrStore(ref.EngineRef(), &digestLookup{})
	l := v.(*digestLookup)
	l.once.Do(func() { l.digest, l.err = e.askRegistry(context.WithoutCancel(ctx), ref) })
	return l.digest, l.err
}

func (e *Engine) askRegistry(ctx context.Context, ref workspace.ImageRef) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	header, source, err := e.credentials.encodedAuth(ctx, ref)
	if err != nil {
		return "", err
	}
	info, err := e.cli.DistributionInspect(ctx, ref.EngineRef(), header)
	if err != nil {
		return "", e.classifyRegistryError(ref, source, err)
	}
	return info.Descriptor.Digest.String(), nil
}

type digestLookup struct {
	once   sync.Once
	digest string
	err    error
}

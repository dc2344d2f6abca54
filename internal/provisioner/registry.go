// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
)

// RegistryProblem classifies why a registry did not hand out an image.
type RegistryProblem string

// Registry problems, each with its own advice.
const (
	RegistryUnreachable RegistryProblem = "unreachable"
	RegistryAuth        RegistryProblem = "authentication refused"
	RegistryNotFound    RegistryProblem = "not found"
	RegistryDigest      RegistryProblem = "digest mismatch"
	RegistryOther       RegistryProblem = "error"
)

// RegistryError is one clear failure to get an image from its registry,
// naming the registry, the repository and the tag and saying what to do.
// It never holds a password: only where the login came from.
type RegistryError struct {
	Ref         ImageRef
	Problem     RegistryProblem
	LoginSource string // "" when no login was sent
	EngineSaid  string
	Engine      string
}

func (r *RegistryError) Error() string {
	var advice string
	switch r.Problem {
	case RegistryUnreachable:
		advice = "the Docker engine at " + r.Engine + " cannot reach the registry: check that it runs and that the engine's host can reach it (DNS, proxy, firewall, and for a private CA /etc/docker/certs.d/" + r.Ref.Registry() + "/ca.crt), or point image_registry/runtime_images at a mirror that it can reach"
	case RegistryAuth:
		if r.LoginSource == "" {
			advice = "no login for " + r.Ref.Registry() + " was found: add a registry_auth block for it to the provider, or docker login " + r.Ref.Registry() + " on this host"
		} else {
			advice = "the login from " + r.LoginSource + " was refused or may not read this repository: fix that username/password (or token) or its permissions"
		}
	case RegistryNotFound:
		advice = "the registry has no such repository or tag: check the name (image, runtime_images, image_registry) and that the image was pushed"
	case RegistryDigest:
		advice = "the registry now serves another image under this reference than the plan saw: run terraform plan again and review the new digest"
	default:
		advice = "see the engine's message below"
	}
	return fmt.Sprintf("image %s: %s, %s; %s. Engine said: %s", r.Ref.Original, r.Ref.Describe(), r.Problem, advice, r.EngineSaid)
}

// classifyRegistryError turns the engine's answer to a pull or a
// distribution inspect into a RegistryError.
func (e *Engine) classifyRegistryError(ref ImageRef, loginSource string, err error) *RegistryError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "Error response from daemon: ")
	lower := strings.ToLower(msg)
	problem := RegistryOther
	switch {
	case cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) ||
		containsAny(lower, "unauthorized", "authentication required", "no basic auth credentials", "denied", "incorrect username or password"):
		problem = RegistryAuth
	case containsAny(lower, "manifest unknown", "name unknown", "not found", "repository does not exist", "no such image"):
		problem = RegistryNotFound
	case containsAny(lower, "connection refused", "no such host", "i/o timeout", "dial tcp", "tls:", "x509:", "server gave http response", "connection reset", "network is unreachable", "eof", "timeout"):
		problem = RegistryUnreachable
	case cerrdefs.IsNotFound(err):
		problem = RegistryNotFound
	}
	return &RegistryError{Ref: ref, Problem: problem, LoginSource: loginSource, EngineSaid: msg, Engine: e.host}
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
func (e *Engine) RegistryDigest(ctx context.Context, ref ImageRef) (string, error) {
	v, _ := e.digestCache.LoadOrStore(ref.EngineRef(), &digestLookup{})
	l := v.(*digestLookup)
	l.once.Do(func() { l.digest, l.err = e.askRegistry(context.WithoutCancel(ctx), ref) })
	return l.digest, l.err
}

func (e *Engine) askRegistry(ctx context.Context, ref ImageRef) (string, error) {
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

// IsRegistryError reports whether err is a RegistryError.
func IsRegistryError(err error) bool {
	var r *RegistryError
	return errors.As(err, &r)
}

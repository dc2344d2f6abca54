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
	return r.Message(r.Advice(RegistryAdviceWords{
		Mirror:   "use a mirror that it can reach",
		AddLogin: "configure a login for it",
		CheckRef: "check the image reference",
	}))
}

// RegistryAdviceWords are the parts of the advice that depend on how the
// caller lets the user configure images and logins (the resources layer
// names its attributes there).
type RegistryAdviceWords struct {
	Mirror   string // how to point at a mirror
	AddLogin string // how to add a login for the registry
	CheckRef string // how to check the image's name
}

// Advice says what to do about the problem, with words for the
// configuration-specific parts.
func (r *RegistryError) Advice(words RegistryAdviceWords) string {
	switch r.Problem {
	case RegistryUnreachable:
		return "the Docker engine at " + r.Engine + " cannot reach the registry: check that it runs and that the engine's host can reach it (DNS, proxy, firewall, and for a private CA /etc/docker/certs.d/" + r.Ref.Registry() + "/ca.crt), or " + words.Mirror
	case RegistryAuth:
		if r.LoginSource == "" {
			return "no login for " + r.Ref.Registry() + " was found: " + words.AddLogin + ", or docker login " + r.Ref.Registry() + " on this host"
		}
		return "the login from " + r.LoginSource + " was refused or may not read this repository: fix that username/password (or token) or its permissions"
	case RegistryNotFound:
		return "the registry has no such repository or tag: " + words.CheckRef + " and that the image was pushed"
	case RegistryDigest:
		return "the registry now serves another image under this reference than the plan saw: run terraform plan again and review the new digest"
	default:
		return "see the engine's message below"
	}
}

// Message is the error's text with the given advice.
func (r *RegistryError) Message(advice string) string {
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

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"errors"
	"fmt"
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

// IsRegistryError reports whether err is a RegistryError.
func IsRegistryError(err error) bool {
	var r *RegistryError
	return errors.As(err, &r)
}

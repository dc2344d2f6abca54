// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// Image pull policies.
const (
	PullMissing = "missing" // pull when the engine lacks the image
	PullAlways  = "always"  // ask the registry at plan, pull at apply
	PullNever   = "never"   // the image must already be on the engine
)

// PullPolicies lists the valid image_pull values.
var PullPolicies = []string{PullMissing, PullAlways, PullNever}

// ImageRef is a parsed image reference: a tag, a digest, or both
// (repo:tag@sha256:..., where the digest decides what runs).
type ImageRef struct {
	Original string
	named    reference.Named
}

// ParseImageRef parses a reference the way docker pull does.
func ParseImageRef(s string) (ImageRef, error) {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return ImageRef{}, fmt.Errorf("%q is not a valid image reference (%v): use [registry/]repository[:tag][@sha256:digest], e.g. ghcr.io/molecule-ai/workspace-template-langgraph:latest", s, err)
	}
	return ImageRef{Original: s, named: named}, nil
}

// Registry is the registry host ("docker.io" for Docker Hub).
func (r ImageRef) Registry() string { return reference.Domain(r.named) }

// Repository is the repository without the registry host.
func (r ImageRef) Repository() string { return reference.Path(r.named) }

// Tag is the reference's tag: "latest" when it names neither tag nor digest.
func (r ImageRef) Tag() string {
	if t, ok := r.named.(reference.Tagged); ok {
		return t.Tag()
	}
	if r.Digest() != "" {
		return ""
	}
	return "latest"
}

// Digest is the pinned digest ("sha256:..."), or "".
func (r ImageRef) Digest() string {
	if d, ok := r.named.(reference.Digested); ok {
		return d.Digest().String()
	}
	return ""
}

// Pinned reports whether the reference names a digest.
func (r ImageRef) Pinned() bool { return r.Digest() != "" }

// EngineRef is the reference handed to the engine: a digest-pinned reference
// loses its tag (repo@sha256:...), which every engine resolves; others are
// kept as written.
func (r ImageRef) EngineRef() string {
	if !r.Pinned() {
		return r.Original
	}
	d := r.named.(reference.Digested)
	canonical, err := reference.WithDigest(reference.TrimNamed(r.named), d.Digest())
	if err != nil {
		return r.Original
	}
	return reference.FamiliarString(canonical)
}

// RepoDigestRef is the repository pinned to digest, as the engine lists it
// in an image's RepoDigests.
func (r ImageRef) RepoDigestRef(digest string) string {
	return reference.FamiliarName(r.named) + "@" + digest
}

// Describe names the registry, repository and tag (or digest) for messages.
func (r ImageRef) Describe() string {
	what := "tag " + r.Tag()
	if r.Pinned() {
		what = "digest " + r.Digest()
		if t, ok := r.named.(reference.Tagged); ok {
			what = "tag " + t.Tag() + " pinned to " + what
		}
	}
	return fmt.Sprintf("registry %s, repository %s, %s", r.Registry(), r.Repository(), what)
}

// SameImageRef reports whether two references name the same image as the
// engine records it (a pinned reference is stored without its tag).
func SameImageRef(written, recorded string) bool {
	if written == recorded {
		return true
	}
	r, err := ParseImageRef(written)
	return err == nil && r.EngineRef() == recorded
}

// DigestFromRepoDigests returns the digest of r's repository among an
// image's RepoDigests ("" when the image came from no registry).
func DigestFromRepoDigests(r ImageRef, repoDigests []string) string {
	want := reference.FamiliarName(r.named) + "@"
	for _, rd := range repoDigests {
		if strings.HasPrefix(rd, want) {
			return strings.TrimPrefix(rd, want)
		}
		// The engine may list the fully qualified name.
		if n, err := reference.ParseNormalizedNamed(rd); err == nil && n.Name() == r.named.Name() {
			if d, ok := n.(reference.Digested); ok {
				return d.Digest().String()
			}
		}
	}
	return ""
}

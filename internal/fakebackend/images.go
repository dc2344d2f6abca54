// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"fmt"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// AddImage makes ref a local image. digest is its registry digest ("" for
// an image built or loaded here). It returns the image's ID.
func (b *Backend) AddImage(ref, digest string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addImage(engineRef(ref), digest)
}

func (b *Backend) addImage(ref, digest string) string {
	id := "sha256:" + workspace.HashContent([]byte(ref+"@"+digest))
	b.images[ref] = localImage{id: id, digest: digest}
	return id
}

// RemoveImage deletes a local image.
func (b *Backend) RemoveImage(ref string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.images, engineRef(ref))
}

// SetRegistryDigest makes ref's registry serve digest for its tag (a push).
func (b *Backend) SetRegistryDigest(ref, digest string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.registry[engineRef(ref)] = digest
	delete(b.regErrors, engineRef(ref))
}

// SetRegistryError makes every registry question about ref fail with
// problem (unreachable, authentication refused...).
func (b *Backend) SetRegistryError(ref string, problem workspace.RegistryProblem) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.regErrors[engineRef(ref)] = problem
}

// Digest returns the digest of ref in the form a registry gives, for tests
// that need distinct digests: sha256 of seed.
func Digest(seed string) string { return "sha256:" + workspace.HashContent([]byte(seed)) }

func engineRef(ref string) string {
	if r, err := workspace.ParseImageRef(ref); err == nil {
		return r.EngineRef()
	}
	return ref
}

// lookup finds a local image by reference, including repo@digest
// references of images pulled by tag.
func (b *Backend) lookup(ref string) (localImage, bool) {
	if img, ok := b.images[ref]; ok {
		return img, true
	}
	if name, digest, ok := strings.Cut(ref, "@"); ok {
		want, err := workspace.ParseImageRef(name)
		if err != nil {
			return localImage{}, false
		}
		for r, img := range b.images {
			if have, err := workspace.ParseImageRef(r); err == nil && img.digest == digest &&
				have.Registry() == want.Registry() && have.Repository() == want.Repository() {
				return img, true
			}
		}
	}
	// An image's ID names it too.
	for _, img := range b.images {
		if img.id == ref {
			return img, true
		}
	}
	return localImage{}, false
}

// ImageID is the local image's ID (a *MissingImageError when absent).
func (b *Backend) ImageID(_ context.Context, ref string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("ImageID", ref); err != nil {
		return "", err
	}
	img, ok := b.lookup(ref)
	if !ok {
		return "", &workspace.MissingImageError{Ref: ref}
	}
	return img.id, nil
}

// LocalDigest is the local image's ID and registry digest.
func (b *Backend) LocalDigest(_ context.Context, ref workspace.ImageRef) (id, digest string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("LocalDigest", ref.Original); err != nil {
		return "", "", err
	}
	img, ok := b.lookup(ref.EngineRef())
	if !ok {
		return "", "", &workspace.MissingImageError{Ref: ref.EngineRef()}
	}
	return img.id, img.digest, nil
}

// RegistryDigest is the digest ref's tag points to in the registry table.
func (b *Backend) RegistryDigest(_ context.Context, ref workspace.ImageRef) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("RegistryDigest", ref.Original); err != nil {
		return "", err
	}
	return b.registryDigest(ref)
}

func (b *Backend) registryDigest(ref workspace.ImageRef) (string, error) {
	key := ref.EngineRef()
	if problem, ok := b.regErrors[key]; ok {
		return "", &workspace.RegistryError{Ref: ref, Problem: problem, Engine: Host, EngineSaid: "fake registry: " + string(problem)}
	}
	if ref.Pinned() {
		return ref.Digest(), nil
	}
	digest, ok := b.registry[key]
	if !ok {
		return "", &workspace.RegistryError{Ref: ref, Problem: workspace.RegistryNotFound, Engine: Host, EngineSaid: "manifest unknown"}
	}
	return digest, nil
}

// ImageDigestOf is the registry digest of a local image, "" when unknown.
func (b *Backend) ImageDigestOf(_ context.Context, ref, imageID string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.record("ImageDigestOf", ref)
	r, err := workspace.ParseImageRef(ref)
	if err != nil {
		return ""
	}
	if r.Pinned() {
		return r.Digest()
	}
	img, ok := b.lookup(imageID)
	if !ok {
		return ""
	}
	return img.digest
}

// ensureImage applies the pull policy at create, as the Docker backend's
// EnsureImage does: a pull stores the registry's image locally and must
// bring the planned digest.
func (b *Backend) ensureImage(s workspace.WorkspaceSpec) error {
	ref, err := workspace.ParseImageRef(s.Image)
	if err != nil {
		return err
	}
	_, present := b.lookup(ref.EngineRef())
	switch s.ImagePull {
	case workspace.PullNever, "":
		return nil
	case workspace.PullMissing:
		if present {
			return nil
		}
	case workspace.PullAlways:
		if present && ref.Pinned() {
			return nil
		}
	}
	b.calls = append(b.calls, Call{Method: "pull", Target: ref.Original})
	digest, err := b.registryDigest(ref)
	if err != nil {
		return err
	}
	b.addImage(ref.EngineRef(), digest)
	if s.ImageDigest != "" && s.ImageDigest != digest {
		return &workspace.RegistryError{Ref: ref, Problem: workspace.RegistryDigest, Engine: Host,
			EngineSaid: fmt.Sprintf("planned digest %s, pulled %s", s.ImageDigest, digest)}
	}
	return nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// imageAfterPull answers "no such image" to the first inspect, which it holds
// until released, and the image to every later one.
type imageAfterPull struct {
	client.APIClient
	mu      sync.Mutex
	calls   int
	entered chan struct{}
	release chan struct{}
}

func (f *imageAfterPull) ImageInspect(context.Context, string, ...client.ImageInspectOption) (image.InspectResponse, error) {
	f.mu.Lock()
	f.calls++
	first := f.calls == 1
	f.mu.Unlock()
	if first {
		close(f.entered)
		<-f.release
		return image.InspectResponse{}, cerrdefs.ErrNotFound
	}
	return image.InspectResponse{ID: "sha256:pulled"}, nil
}

// A "missing" answer to an inspect that overlapped a pull of the same image
// is not cached: a concurrent create would otherwise find the image missing
// right after the pull brought it (seen in TestAccRegistry_callsPerPlan).
func TestLocalImageDoesNotCacheMissingDuringPull(t *testing.T) {
	const ref = "registry.example/ns/image:latest"
	fake := &imageAfterPull{entered: make(chan struct{}), release: make(chan struct{})}
	e := &Engine{cli: fake, host: "fake", local: true}
	done := make(chan error)
	go func() {
		_, err := e.LocalImage(context.Background(), ref)
		done <- err
	}()
	<-fake.entered
	e.pulls.Store(ref, &pullOnce{}) // another create starts the pull
	close(fake.release)
	if err := <-done; !isMissingImage(err) {
		t.Fatalf("the overlapping inspect must still report the image missing, got %v", err)
	}
	img, err := e.LocalImage(context.Background(), ref)
	if err != nil || img.ID != "sha256:pulled" {
		t.Fatalf("after the pull the image must be looked up again, got %+v, %v", img, err)
	}
}

// Without a pull, a missing image is cached for the run as before.
func TestLocalImageCachesMissingWithoutPull(t *testing.T) {
	const ref = "local:tag"
	fake := &imageAfterPull{entered: make(chan struct{}), release: make(chan struct{})}
	close(fake.release)
	e := &Engine{cli: fake, host: "fake", local: true}
	if _, err := e.LocalImage(context.Background(), ref); !isMissingImage(err) {
		t.Fatalf("want missing, got %v", err)
	}
	if _, err := e.LocalImage(context.Background(), ref); !isMissingImage(err) {
		t.Fatalf("the missing answer must be cached for the run, got %v", err)
	}
	if fake.calls != 1 {
		t.Fatalf("want one inspect, got %d", fake.calls)
	}
}

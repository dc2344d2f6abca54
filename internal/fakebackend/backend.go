// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package fakebackend is an in-memory workspace.Backend for unit tests of
// the provider's plan logic: it keeps workspaces, volumes, images, registry
// digests and networks in maps, reports them the way the Docker backend does
// (statuses, labels, tier limits, config hashes from workspace.ExpectedHashes,
// volumes, keep_volumes), records every call, and can be told to fail or to
// drift. It never touches an engine.
package fakebackend

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Host is the address the fake reports (in messages).
const Host = "fake://backend"

// Backend is the in-memory backend. Its zero value is not usable: call New.
// It is safe for concurrent use (Terraform plans resources in parallel).
type Backend struct {
	mu sync.Mutex

	cpus       int
	containers map[string]*container // by container name (ws-<id12>)
	volumes    map[string]*volume    // by volume name
	images     map[string]localImage // by engine reference (ImageRef.EngineRef)
	registry   map[string]string     // engine reference -> digest the tag points to
	regErrors  map[string]workspace.RegistryProblem
	networks   map[string]workspace.ObservedNetwork
	crashes    map[string]crash // workspace id -> crash on its next start
	failures   map[string]error // method -> error returned by its next call
	nextID     int              // for container and image IDs
	hostPorts  int              // last host port handed out
	calls      []Call
}

// New returns an empty backend: no workspaces, images, networks or
// registry entries, and 4 CPUs.
func New() *Backend {
	return &Backend{
		cpus:       4,
		containers: map[string]*container{},
		volumes:    map[string]*volume{},
		images:     map[string]localImage{},
		registry:   map[string]string{},
		regErrors:  map[string]workspace.RegistryProblem{},
		networks:   map[string]workspace.ObservedNetwork{},
		crashes:    map[string]crash{},
		failures:   map[string]error{},
		hostPorts:  32767,
	}
}

var _ workspace.Backend = (*Backend)(nil)

// container is a workspace's container, or a foreign one holding a name.
type container struct {
	id          string
	name        string
	workspaceID string // "" for a foreign container
	foreign     bool
	platform    bool // a foreign container the Molecule platform made
	spec        workspace.WorkspaceSpec
	imageRef    string // the engine reference it was created from
	imageID     string
	isolation   string
	memoryMB    int64
	cpus        float64
	status      string
	exitCode    int
	oomKilled   bool
	restarts    int
	hostPort    string
}

// volume is a named volume; files are those of /configs for a config volume.
type volume struct {
	name        string
	workspaceID string // "" when not ours
	role        string
	files       map[string]configFile // relpath -> file
}

type configFile struct {
	hash       string
	content    string // text content, "" when unknown (template files)
	generation int    // bumped on every write: the config stamp's source
}

type localImage struct {
	id     string
	digest string // registry digest, "" for an image built here
}

type crash struct {
	exitCode  int
	oomKilled bool
	logs      []string
}

// SetCPUCount sets the CPU count CPUCount reports.
func (b *Backend) SetCPUCount(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cpus = n
}

// FailNext makes the next call of method (e.g. "Create", "Inspect") return
// err, before it does anything.
func (b *Backend) FailNext(method string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[method] = err
}

// CrashOnStart makes the workspace's next start fail: the container exits
// with exitCode (OOM-killed when oom) and the start returns a
// *workspace.CrashError carrying logs, as the Docker backend's readiness
// wait does.
func (b *Backend) CrashOnStart(workspaceID string, exitCode int, oom bool, logs ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.crashes[workspaceID] = crash{exitCode: exitCode, oomKilled: oom, logs: logs}
}

// record logs a call and returns the failure set for method, if any. The
// caller holds b.mu.
func (b *Backend) record(method, target string) error {
	b.calls = append(b.calls, Call{Method: method, Target: target})
	if err, ok := b.failures[method]; ok {
		delete(b.failures, method)
		return err
	}
	return nil
}

// newID is a 64-character ID, unique in this backend, starting with prefix.
func (b *Backend) newID(prefix string) string {
	b.nextID++
	return fmt.Sprintf("%s%0*d", prefix, 64-len(prefix), b.nextID)
}

// Host names the fake.
func (b *Backend) Host() string { return Host }

// SeesHostFiles is true: host paths are checked on this machine.
func (b *Backend) SeesHostFiles() bool { return true }

// SocketPath is empty: the fake has no socket to bind into tier 4.
func (b *Backend) SocketPath() string { return "" }

// Close keeps everything: the same fake serves every Terraform command of a
// test.
func (b *Backend) Close() error { return nil }

// CPUCount reports the count set with SetCPUCount.
func (b *Backend) CPUCount(context.Context) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("CPUCount", ""); err != nil {
		return 0, err
	}
	return b.cpus, nil
}

// errUnsupported is what the adoption methods return: adopting a platform
// workspace is tested against Docker only.
func errUnsupported(what string) error {
	return &workspace.UnsupportedError{Backend: "the fake backend", What: what, Why: "adoption is only tested against a real Docker engine", Instead: "run the acceptance tests (TF_ACC=1)."}
}

// PlatformOwned is an error when a foreign container made by the platform
// holds the workspace's name.
func (b *Backend) PlatformOwned(_ context.Context, workspaceID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("PlatformOwned", workspaceID); err != nil {
		return err
	}
	name := workspace.ContainerName(workspaceID)
	if c := b.containers[name]; c != nil && c.platform {
		return errors.New("container " + name + " on " + Host + " belongs to the Molecule platform, not to this provider")
	}
	return nil
}

// InspectPlatformContainer is not supported by the fake.
func (b *Backend) InspectPlatformContainer(_ context.Context, workspaceID string) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.record("InspectPlatformContainer", workspaceID)
	return workspace.ObservedWorkspace{}, errUnsupported("adopting a platform workspace")
}

// Adopt is not supported by the fake.
func (b *Backend) Adopt(_ context.Context, s workspace.WorkspaceSpec, _ string, _ workspace.Progress) (workspace.ObservedWorkspace, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.record("Adopt", s.WorkspaceID)
	return workspace.ObservedWorkspace{}, errUnsupported("adopting a platform workspace")
}

// CheckAdoptedVolumes confirms that every volume exists.
func (b *Backend) CheckAdoptedVolumes(_ context.Context, volumes []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("CheckAdoptedVolumes", ""); err != nil {
		return err
	}
	for _, v := range volumes {
		if b.volumes[v] == nil {
			return fmt.Errorf("volume %s does not exist on %s", v, Host)
		}
	}
	return nil
}

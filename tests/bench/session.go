// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Workspace ids are "bench" + session tag (2 hex) + batch (2 hex) + index
// (3 hex): 12 characters, so every Docker name is unique, then "-" + a
// session nonce that the final sweep matches on.
const (
	idPrefix    = "bench"
	maxFleet    = 0xfff + 1
	maxBatch    = 0xff + 1
	armRaw      = "raw"
	armProvider = "provider"
)

// arms run in this order for every fleet size and run (armsAt picks those
// of the backends measured at a size).
var arms = []string{armRaw, armProvider, armBaseline, armKubeRaw, armKubeProvider, armFloor, armSizedFloor, armFake}

// session is one bench invocation: its ids, network and Docker client, and
// its Kubernetes namespace when the Kubernetes arms run.
type session struct {
	opts    options
	cli     *client.Client // uncounted: checks and cleanup only; nil without the Docker arms
	kube    *kubeSession   // nil without the Kubernetes arms
	tag     string
	nonce   string
	batch   int
	network string
	// networkMade: the bench network exists and close removes it.
	networkMade bool
	workdir     string
	// cliConfig, fakeCLIConfig and baselineCLIConfig are the Terraform CLI
	// configs whose dev_overrides run the provider, the engine-free provider
	// and the baseline build ("" without one).
	cliConfig, fakeCLIConfig, baselineCLIConfig string
	// workspaceState is the state per workspace a provider arm measured at
	// each fleet size, which the sized floor pads its resources to.
	workspaceState map[int]float64
	// handedOut is every workspace id of the session, so that cleanup can
	// name endpoints the engine no longer lists.
	handedOut []string
}

func newSession(ctx context.Context, o options) (*session, error) {
	random := make([]byte, 5)
	_, _ = rand.Read(random)
	h := hex.EncodeToString(random)
	s := &session{opts: o, tag: h[:2], nonce: h[2:], network: "molecule-bench-" + h}
	var err error
	if s.workdir, err = os.MkdirTemp("", "molecule-bench-"); err != nil {
		return nil, err
	}
	if s.cliConfig, err = writeProviderOverride(s.workdir, "plugins", o.provider); err != nil {
		s.close()
		return nil, err
	}
	self, err := os.Executable()
	if err == nil {
		s.fakeCLIConfig, err = writeProviderOverride(s.workdir, "plugins-fake", self, fakeProviderCommand)
	}
	if err == nil && o.baseline != "" {
		s.baselineCLIConfig, err = writeProviderOverride(s.workdir, "plugins-baseline", o.baseline)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	if o.kubernetes() {
		s.kube, err = newKubeSession(ctx, o, s.nonce)
		switch {
		case err != nil && o.kubeOptional && o.docker():
			// Turned on only because a cluster runs: measure Docker alone.
			fmt.Fprintf(os.Stderr, "bench: skipping the Kubernetes arms: %v\n", err)
			s.opts.backends, s.opts.kubeSizes = []string{backendDocker}, nil
		case err != nil:
			s.close()
			return nil, err
		}
	}
	o = s.opts
	if !o.docker() {
		return s, nil
	}
	if err := s.openDocker(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// openDocker connects to the engine, runs the Docker preflight and makes
// the bench network.
func (s *session) openDocker(ctx context.Context) error {
	o := s.opts
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("docker client: %w", err)
	}
	s.cli = cli
	if _, err := cli.Ping(ctx); err != nil {
		return fmt.Errorf("no Docker engine answers (%v): run scripts/ensure-docker.sh", err)
	}
	if _, err := cli.ImageInspect(ctx, o.image); err != nil {
		return fmt.Errorf("image %s: %v (run scripts/build-test-images.sh)", o.image, err)
	}
	// Before anything is made: a fleet the machine cannot hold stops here.
	if err := preflight(ctx, cli, o.sizes); err != nil {
		return err
	}
	labels := workspace.OwnershipLabels("", workspace.RoleNetwork)
	labels[sessionLabel] = s.nonce
	if _, err := cli.NetworkCreate(ctx, s.network, network.CreateOptions{Driver: "bridge", Labels: labels}); err != nil {
		return fmt.Errorf("creating bench network: %w", err)
	}
	s.networkMade = true
	return s.checkNetworkCapacity(ctx)
}

// checkNetworkCapacity fails when the bench network's subnet has fewer
// addresses than the largest fleet needs.
func (s *session) checkNetworkCapacity(ctx context.Context) error {
	n := slices.Max(s.opts.sizes)
	nw, err := s.cli.NetworkInspect(ctx, s.network, network.InspectOptions{})
	if err != nil {
		return err
	}
	for _, c := range nw.IPAM.Config {
		if _, sub, err := net.ParseCIDR(c.Subnet); err == nil {
			ones, bits := sub.Mask.Size()
			if bits == 32 && 1<<(bits-ones)-3 < n {
				return fmt.Errorf("preflight: the bench network %s got subnet %s, too small for N=%d; free a larger address pool on the engine", s.network, c.Subnet, n)
			}
		}
	}
	return nil
}

// sessionLabel marks the bench network so a sweep finds it.
const sessionLabel = "ai.molecule.bench.session"

// ids returns n fresh workspace ids and their common 12-character-stem prefix.
func (s *session) ids(n int) ([]string, string, error) {
	if s.batch >= maxBatch {
		return nil, "", fmt.Errorf("more than %d batches in one session", maxBatch)
	}
	prefix := fmt.Sprintf("%s%s%02x", idPrefix, s.tag, s.batch)
	s.batch++
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%03x-%s", prefix, i, s.nonce)
	}
	s.handedOut = append(s.handedOut, ids...)
	return ids, prefix, nil
}

// measure runs one arm on a fresh fleet of n workspaces.
func (s *session) measure(ctx context.Context, arm string, n, runNo int) measurement {
	m := measurement{Arm: arm, N: n, Run: runNo}
	ids, prefix, err := s.ids(n)
	if err != nil {
		m.Error = err.Error()
		return m
	}
	m.IDPrefix = prefix
	switch arm {
	case armRaw:
		err = newRawArm(s).run(ctx, ids, &m)
	case armFloor:
		err = newFloorArm(s).run(ctx, ids, &m)
	case armSizedFloor:
		padTo := s.workspaceState[n]
		if padTo == 0 {
			padTo = defaultWorkspaceStateBytes
		}
		err = newSizedFloorArm(s, padTo).run(ctx, ids, &m)
	case armFake:
		err = newFakeArm(s).run(ctx, ids, &m)
	case armKubeRaw:
		err = newKubeRawArm(s).run(ctx, ids, &m)
	case armKubeProvider:
		err = newKubeProviderArm(s).run(ctx, ids, &m)
	case armBaseline:
		err = newBaselineArm(s).run(ctx, ids, &m)
	default:
		err = newProviderArm(s).run(ctx, ids, &m)
	}
	if err != nil {
		m.Error = err.Error()
	}
	if (arm == armProvider || arm == armKubeProvider) && m.StateBytesPerWS > 0 {
		if s.workspaceState == nil {
			s.workspaceState = map[int]float64{}
		}
		s.workspaceState[n] = m.StateBytesPerWS
	}
	return m
}

// owned lists our containers and volumes whose workspace id matches keep.
func (s *session) owned(ctx context.Context, keep func(workspaceID string) bool) (containers, volumes []string, err error) {
	f := filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"))
	cs, err := s.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		if keep(c.Labels[workspace.LabelWorkspaceID]) {
			containers = append(containers, c.ID)
		}
	}
	vs, err := s.cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs.Volumes {
		if keep(v.Labels[workspace.LabelWorkspaceID]) {
			volumes = append(volumes, v.Name)
		}
	}
	return containers, volumes, nil
}

// leftovers describes what of a batch still exists ("" when nothing).
func (s *session) leftovers(ctx context.Context, prefix string) (string, error) {
	cs, vs, err := s.owned(ctx, func(id string) bool { return strings.HasPrefix(id, prefix) })
	if err != nil {
		return "", err
	}
	if len(cs)+len(vs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d container(s) and %d volume(s) left (e.g. %v %v)", len(cs), len(vs), head(cs), head(vs)), nil
}

func head(xs []string) []string {
	if len(xs) > 2 {
		return xs[:2]
	}
	return xs
}

// sweepBatch removes, by ownership label, whatever a batch left behind.
func (s *session) sweepBatch(prefix string) error {
	if prefix == "" {
		return nil
	}
	return s.sweep(func(id string) bool { return strings.HasPrefix(id, prefix) && strings.HasSuffix(id, "-"+s.nonce) })
}

func (s *session) sweep(keep func(string) bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var kubeErr error
	if s.kube != nil {
		kubeErr = s.kube.sweep(ctx, keep)
	}
	if s.cli == nil {
		return kubeErr
	}
	cs, vs, err := s.owned(ctx, keep)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range cs {
		if err := s.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	for _, v := range vs {
		if err := s.cli.VolumeRemove(ctx, v, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	if n := len(cs) + len(vs); n > 0 {
		fmt.Fprintf(os.Stderr, "bench: swept %d container(s), %d volume(s)\n", len(cs), len(vs))
	}
	return errors.Join(append(errs, kubeErr)...)
}

// close removes everything this session made, whatever happened before.
func (s *session) close() {
	if err := s.sweep(func(id string) bool { return strings.HasSuffix(id, "-"+s.nonce) }); err != nil {
		fmt.Fprintln(os.Stderr, "bench: final sweep:", err)
	}
	if s.kube != nil {
		s.kube.close()
	}
	s.closeDocker()
	if !s.opts.keepWork && s.workdir != "" {
		_ = os.RemoveAll(s.workdir)
	} else if s.workdir != "" {
		fmt.Fprintln(os.Stderr, "bench: working directories kept in", s.workdir)
	}
}

// closeDocker removes the bench network and closes the Docker client.
func (s *session) closeDocker() {
	if s.cli == nil {
		return
	}
	defer s.cli.Close()
	if !s.networkMade {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	err := s.removeNetwork(ctx, 15*time.Second)
	if err != nil {
		// The engine can keep an endpoint of a container already removed
		// ("has active endpoints" with no container left): delete the
		// endpoints of this session's own network by force, then retry.
		s.dropStaleEndpoints(ctx)
		err = s.removeNetwork(ctx, 15*time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: removing network:", err)
	}
}

// removeNetwork retries the network's removal for up to patience while the
// engine releases its last endpoints.
func (s *session) removeNetwork(ctx context.Context, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		err := s.cli.NetworkRemove(ctx, s.network)
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// dropStaleEndpoints force-disconnects every endpoint the engine still lists
// on the session's network. For an endpoint whose container is gone the
// engine deletes the endpoint itself (force). Under container churn Docker
// 20.10 can also keep an endpoint it no longer lists at all; a forced
// disconnect by name still finds it, and endpoints are named after their
// container, so every container name the session used is tried too.
func (s *session) dropStaleEndpoints(ctx context.Context) {
	nw, err := s.cli.NetworkInspect(ctx, s.network, network.InspectOptions{})
	if err != nil {
		return
	}
	for id, ep := range nw.Containers {
		name := cmp.Or(ep.Name, id)
		if err := s.cli.NetworkDisconnect(ctx, s.network, name, true); err != nil {
			fmt.Fprintf(os.Stderr, "bench: dropping endpoint %s of %s: %v\n", name, s.network, err)
		}
	}
	dropped := 0
	for _, id := range s.handedOut {
		if s.cli.NetworkDisconnect(ctx, s.network, workspace.ContainerName(id), true) == nil {
			dropped++
		}
	}
	if dropped > 0 {
		fmt.Fprintf(os.Stderr, "bench: dropped %d unlisted endpoints of %s\n", dropped, s.network)
	}
}

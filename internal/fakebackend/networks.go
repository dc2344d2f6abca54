// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"fmt"
	"maps"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// AddNetwork makes a network that is not ours (made outside Terraform).
func (b *Backend) AddNetwork(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.networks[name] = workspace.ObservedNetwork{Exists: true, ID: b.newID("net"), Name: name, Driver: "bridge", Labels: map[string]string{}}
}

// RemoveNetwork deletes a network behind Terraform's back.
func (b *Backend) RemoveNetwork(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.networks, name)
}

// CheckNetwork confirms a network exists (a *MissingNetworkError when not).
func (b *Backend) CheckNetwork(_ context.Context, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("CheckNetwork", name); err != nil {
		return err
	}
	if _, ok := b.networks[name]; !ok {
		return &workspace.MissingNetworkError{Name: name, Host: Host}
	}
	return nil
}

// CreateNetwork makes a network of ours.
func (b *Backend) CreateNetwork(_ context.Context, s workspace.NetworkSpec) (workspace.ObservedNetwork, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("CreateNetwork", s.Name); err != nil {
		return workspace.ObservedNetwork{}, err
	}
	if _, ok := b.networks[s.Name]; ok {
		return workspace.ObservedNetwork{}, fmt.Errorf("network %q already exists on %s: import it (terraform import) or choose another name", s.Name, Host)
	}
	n := workspace.ObservedNetwork{Exists: true, Owned: true, ID: b.newID("net"), Name: s.Name, Driver: "bridge", Internal: s.Internal, Labels: maps.Clone(s.Labels)}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	b.networks[s.Name] = n
	return n, nil
}

// InspectNetwork observes a network; a missing one is not an error.
func (b *Backend) InspectNetwork(_ context.Context, name string) (workspace.ObservedNetwork, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("InspectNetwork", name); err != nil {
		return workspace.ObservedNetwork{}, err
	}
	n, ok := b.networks[name]
	if !ok {
		return workspace.ObservedNetwork{Name: name}, nil
	}
	n.Labels = maps.Clone(n.Labels)
	return n, nil
}

// DeleteNetwork removes a network of ours; a foreign one is left alone, a
// missing one counts as removed.
func (b *Backend) DeleteNetwork(_ context.Context, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.record("DeleteNetwork", name); err != nil {
		return err
	}
	if n, ok := b.networks[name]; ok && n.Owned {
		delete(b.networks, name)
	}
	return nil
}

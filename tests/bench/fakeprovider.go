// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/procsettings"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provider"
)

// The engine-free arm serves the real provider (schema, plan logic, model
// codec, process settings) with its workspaces on the in-memory fake backend
// instead of an engine: what it costs is Terraform's, the plugin protocol's,
// the framework's and the provider's own work, without the engine's. Each
// provider process loads the fake's engine from a file at start and saves it
// when Terraform stops it, so the fleet outlives the process as on an engine.
const (
	// fakeProviderCommand makes this program that provider.
	fakeProviderCommand = "__fake-provider"
	// fakeStateEnv names the file holding the fake's engine.
	fakeStateEnv = "MOLECULE_BENCH_FAKE_STATE"
	// fakeNetworkEnv and fakeImageEnv are the network and the image a new
	// fake starts with, as the bench's engine holds them.
	fakeNetworkEnv = "MOLECULE_BENCH_FAKE_NETWORK"
	fakeImageEnv   = "MOLECULE_BENCH_FAKE_IMAGE"
)

// serveFakeProvider runs the provider on the fake until Terraform stops it.
func serveFakeProvider() int {
	procsettings.QuietLogsUnlessAsked()
	procsettings.TuneGCUnlessSet()
	file := os.Getenv(fakeStateEnv)
	b, err := loadFake(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake provider:", err)
		return 1
	}
	err = providerserver.Serve(context.Background(), provider.NewWithBackend("bench-fake", b), providerserver.ServeOpts{
		Address: "registry.terraform.io/molecule-ai/molecule",
	})
	if err == nil {
		err = saveFake(file, b)
	}
	procsettings.RecordUsageIfAsked()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake provider:", err)
		return 1
	}
	return 0
}

// loadFake reads the fake from file, or starts one holding the bench's
// network and image when there is none yet.
func loadFake(file string) (*fakebackend.Backend, error) {
	if file == "" {
		return nil, errors.New(fakeStateEnv + " is not set")
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		b := fakebackend.New()
		b.AddNetwork(os.Getenv(fakeNetworkEnv))
		b.AddImage(os.Getenv(fakeImageEnv), fakebackend.Digest("bench"))
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return fakebackend.Load(f)
}

// saveFake writes the fake to file through a rename, so a reader never
// sees half of it.
func saveFake(file string, b *fakebackend.Backend) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".fake-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := b.Save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// fakeHolds counts the workspaces (containers) and volumes in the fake's
// file: what the arm checks after apply and after destroy.
func fakeHolds(file string) (containers, volumes int, err error) {
	b, err := loadFake(file)
	if err != nil {
		return 0, 0, err
	}
	return len(b.Containers()), len(b.Volumes()), nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package acctest is shared support for acceptance tests: provider
// factories, a Docker client to check what the provider made, stand-in
// images and unique names. Tests use it against a real engine.
package acctest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provider"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
)

// IDPrefix starts every workspace id the acceptance tests create; sweepers
// and scripts/cleanup-rogue-workspaces.sh recognise it.
const IDPrefix = "tfacc"

// Network is the network acceptance-test workspaces join.
const Network = "molecule-tfacc-net"

// StandinPrefix tags the stand-in images built by scripts/build-test-images.sh.
// Never a real workspace-template tag: these run on operators' machines.
const StandinPrefix = "molecule-tf-standin"

// ProviderFactories serves the provider in-process for terraform-plugin-testing.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"molecule": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// StandinImage is the stand-in image for a runtime.
func StandinImage(runtime string) string { return StandinPrefix + ":" + runtime }

// PreCheck fails (never skips) when the engine or images are missing: in CI
// acceptance tests must run.
func PreCheck(t *testing.T) {
	t.Helper()
	AcceptanceOnly(t)
	cli := Docker(t)
	ctx := context.Background()
	if _, err := cli.Ping(ctx); err != nil {
		t.Fatalf("no Docker engine answers (%v): run scripts/ensure-docker.sh, or make test", err)
	}
	if _, err := cli.ImageInspect(ctx, StandinImage("langgraph")); err != nil {
		t.Fatalf("stand-in image missing (%v): run scripts/build-test-images.sh, or make test", err)
	}
	EnsureNetwork(t, cli, Network)
}

// Docker returns a client for the engine the provider uses by default.
func Docker(t *testing.T) *client.Client {
	t.Helper()
	AcceptanceOnly(t)
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// EnsureNetwork creates a test network (labelled as ours) when missing.
func EnsureNetwork(t *testing.T, cli *client.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return
	}
	_, err := cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: provisioner.OwnershipLabels("", provisioner.RoleNetwork)})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating test network %s: %v", name, err)
	}
}

// RandomID returns a workspace id whose 12-character prefix is unique:
// "tfacc" + 7 random hex digits, then "-" + suffix.
func RandomID(suffix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%s-%s", IDPrefix, hex.EncodeToString(b)[:7], suffix)
}

// ProviderConfig is a provider block pointing every runtime at the stand-in
// images, plus extra HCL lines.
func ProviderConfig(extra ...string) string {
	var b strings.Builder
	b.WriteString("provider \"molecule\" {\n  network = \"" + Network + "\"\n  runtime_images = {\n")
	for _, rt := range provisioner.KnownRuntimes() {
		fmt.Fprintf(&b, "    %q = %q\n", rt, StandinImage(rt))
	}
	b.WriteString("  }\n")
	for _, line := range extra {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Template writes a template directory with the given files and returns it.
func Template(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// MinimalConfigYAML is a valid config.yaml for the stand-in.
func MinimalConfigYAML(name string) string {
	return fmt.Sprintf("name: %s\ndescription: acceptance test\nversion: 1.0.0\ntier: 2\nruntime: langgraph\nmodel: none\n", name)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
)

// These helpers change the world behind Terraform's back, the way an
// operator with the docker CLI would, so drift tests can check the plan. They
// only ever touch objects named after the test's own workspace ids.

// TestImageLabel marks images built by the tests, like the stand-in's.
const TestImageLabel = "ai.molecule.terraform.test-image"

// VariantImagePrefix tags the variant images the drift tests build.
const VariantImagePrefix = "molecule-tf-standin-acc"

// MustInspect returns the workspace's container as Docker sees it, or fails.
func MustInspect(t *testing.T, cli *client.Client, workspaceID string) container.InspectResponse {
	t.Helper()
	info, err := InspectContainer(cli, workspaceID)
	if err != nil {
		t.Fatalf("inspecting container of workspace %s: %v", workspaceID, err)
	}
	return info
}

// StopWorkspaceContainer stops the container, like docker stop.
func StopWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string) {
	t.Helper()
	timeout := 5
	if err := cli.ContainerStop(context.Background(), provisioner.ContainerName(workspaceID), container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("stopping workspace %s: %v", workspaceID, err)
	}
}

// RemoveWorkspaceContainer force-removes the container and keeps its volumes,
// like docker rm -f.
func RemoveWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string) {
	t.Helper()
	if err := cli.ContainerRemove(context.Background(), provisioner.ContainerName(workspaceID), container.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("removing container of workspace %s: %v", workspaceID, err)
	}
}

// UpdateWorkspaceLimits changes memory and CPU like docker update.
func UpdateWorkspaceLimits(t *testing.T, cli *client.Client, workspaceID string, memoryMB int64, cpus float64) {
	t.Helper()
	mem := memoryMB << 20
	_, err := cli.ContainerUpdate(context.Background(), provisioner.ContainerName(workspaceID), container.UpdateConfig{
		Resources: container.Resources{Memory: mem, MemorySwap: mem, NanoCPUs: int64(cpus * 1e9)},
	})
	if err != nil {
		t.Fatalf("updating limits of workspace %s: %v", workspaceID, err)
	}
}

// RecreateWorkspaceContainer replaces the workspace's container by one made
// from its own inspected configuration after mutate has altered it: same name,
// same ownership labels, same network alias, started when the old one ran.
// Docker cannot change env, mounts or privileges in place, so this is how
// they drift in real life.
func RecreateWorkspaceContainer(t *testing.T, cli *client.Client, workspaceID string, mutate func(*container.Config, *container.HostConfig)) {
	t.Helper()
	ctx := context.Background()
	info := MustInspect(t, cli, workspaceID)
	cfg, hc := *info.Config, *info.HostConfig
	cfg.Env = slices.Clone(cfg.Env)
	cfg.Labels = maps.Clone(cfg.Labels)
	cfg.Hostname = "" // the old container's id; let Docker pick the new one's
	hc.Mounts = slices.Clone(hc.Mounts)
	mutate(&cfg, &hc)

	name := strings.TrimPrefix(info.Name, "/")
	if err := cli.ContainerRemove(ctx, info.ID, container.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("removing %s to recreate it: %v", name, err)
	}
	var networking *network.NetworkingConfig
	if !hc.NetworkMode.IsHost() {
		networking = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			string(hc.NetworkMode): {Aliases: []string{name}},
		}}
	}
	created, err := cli.ContainerCreate(ctx, &cfg, &hc, networking, nil, name)
	if err != nil {
		t.Fatalf("recreating %s: %v", name, err)
	}
	if info.State != nil && info.State.Running {
		if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
			t.Fatalf("starting recreated %s: %v", name, err)
		}
	}
}

// WithEnv returns a mutation setting one environment variable.
func WithEnv(key, value string) func(*container.Config, *container.HostConfig) {
	return func(cfg *container.Config, _ *container.HostConfig) {
		cfg.Env = slices.DeleteFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, key+"=") })
		cfg.Env = append(cfg.Env, key+"="+value)
	}
}

// WithWorkspaceMount returns a mutation replacing the /workspace mount.
func WithWorkspaceMount(m mount.Mount) func(*container.Config, *container.HostConfig) {
	return func(_ *container.Config, hc *container.HostConfig) {
		m.Target = "/workspace"
		hc.Mounts = slices.DeleteFunc(hc.Mounts, func(x mount.Mount) bool { return x.Target == "/workspace" })
		hc.Mounts = append(hc.Mounts, m)
	}
}

// BuildVariantImage builds, without pulling anything, an image on top of the
// stand-in that differs only by a label, so it has its own ID. It is tagged
// VariantImagePrefix:tag, labelled as a test image and removed at the end of
// the test. It returns the image ID.
func BuildVariantImage(t *testing.T, cli *client.Client, tag, variant string) string {
	t.Helper()
	ctx := context.Background()
	ref := VariantImagePrefix + ":" + tag
	// The tag is part of the content (and the cache is off): two tests that
	// name their variants alike must never share an image ID, or one
	// test's cleanup would remove the other's image.
	dockerfile := fmt.Sprintf("FROM %s\nLABEL %s=\"true\" ai.molecule.terraform.test-variant=%q\n", StandinImage("langgraph"), TestImageLabel, ref+"/"+variant)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(dockerfile)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.ImageBuild(ctx, &buf, build.ImageBuildOptions{Tags: []string{ref}, NoCache: true, Remove: true, ForceRemove: true, Version: build.BuilderV1})
	if err != nil {
		t.Fatalf("building %s: %v", ref, err)
	}
	defer resp.Body.Close()
	if err := buildOutputError(resp.Body); err != nil {
		t.Fatalf("building %s: %v", ref, err)
	}
	info, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatalf("inspecting built %s: %v", ref, err)
	}
	t.Cleanup(func() {
		// By ID: a later build may have moved the tag away from this one.
		_, err := cli.ImageRemove(context.Background(), info.ID, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("removing test image %s (%s): %v", ref, info.ID, err)
		}
	})
	return info.ID
}

// buildOutputError returns the error reported in a build's JSON message stream.
func buildOutputError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if msg.Error != "" {
			return fmt.Errorf("%s", msg.Error)
		}
	}
}

// CreateForeignContainer creates (never starts) a container with plain
// docker API calls and no labels at all, as a user's own container would be.
// It is removed at the end of the test.
func CreateForeignContainer(t *testing.T, cli *client.Client, name string) container.InspectResponse {
	t.Helper()
	ctx := context.Background()
	created, err := cli.ContainerCreate(ctx, &container.Config{Image: StandinImage("langgraph")}, nil, nil, nil, name)
	if err != nil {
		t.Fatalf("creating foreign container %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	})
	info, err := cli.ContainerInspect(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// CreateForeignNetwork creates a bridge network without our labels and
// removes it at the end of the test.
func CreateForeignNetwork(t *testing.T, cli *client.Client, name string) string {
	t.Helper()
	resp, err := cli.NetworkCreate(context.Background(), name, network.CreateOptions{Driver: "bridge"})
	if err != nil {
		t.Fatalf("creating foreign network %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cli.NetworkRemove(context.Background(), resp.ID) })
	return resp.ID
}

// VolumeExists reports whether a volume of that name exists, with its labels.
func VolumeExists(cli *client.Client, name string) (bool, map[string]string, error) {
	v, err := cli.VolumeInspect(context.Background(), name)
	if cerrdefs.IsNotFound(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	return true, v.Labels, nil
}

// RemoveVolumes removes volumes a test kept on purpose; missing ones are fine.
func RemoveVolumes(cli *client.Client, names ...string) error {
	for _, n := range names {
		if err := cli.VolumeRemove(context.Background(), n, true); err != nil && !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// WaitHTTP polls url until it answers 200 or the timeout passes.
func WaitHTTP(url string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		code, body, err := HTTPGet(url)
		if err == nil && code == 200 {
			return body, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s did not answer 200 within %s (last: code %d, err %v)", url, timeout, code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var privilegedProbe struct {
	once   sync.Once
	ok     bool
	reason string
}

// EngineStartsPrivileged reports whether the engine can start a privileged
// container at all (asked once per test binary). An engine inside a sandbox
// that withholds capabilities from its bounding set cannot: runc fails with
// "unable to apply caps". The reason says why not.
func EngineStartsPrivileged(t *testing.T, cli *client.Client) (bool, string) {
	t.Helper()
	privilegedProbe.once.Do(func() {
		ctx := context.Background()
		name := RandomID("privprobe")
		created, err := cli.ContainerCreate(ctx, &container.Config{Image: StandinImage("langgraph"), Labels: map[string]string{TestImageLabel: "true"}},
			&container.HostConfig{Privileged: true}, nil, nil, name)
		if err != nil {
			privilegedProbe.reason = "creating a privileged probe container: " + err.Error()
			return
		}
		defer func() { _ = cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}) }()
		if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
			privilegedProbe.reason = err.Error()
			return
		}
		privilegedProbe.ok = true
	})
	return privilegedProbe.ok, privilegedProbe.reason
}

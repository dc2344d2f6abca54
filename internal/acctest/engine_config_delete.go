// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The archive API can add and replace files but not delete them, and the
// stand-in image (FROM scratch) has nothing to exec. Deleting a file inside a
// workspace's config volume therefore takes a throwaway container of a tiny
// test-only image holding one static binary that removes its arguments.
const fsToolSource = `package main

import (
	"fmt"
	"os"
)
func main() {
	if len(os.Args) < 3 || os.Args[1] != "rm" {
		fmt.Fprintln(os.Stderr, "usage: fstool rm PATH...")
		os.Exit(2)
	}
	for _, p := range os.Args[2:] {
		if err := os.RemoveAll(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
`

// fsToolRepo names the tool image; the tag carries a hash of its source, so
// a changed tool is rebuilt and an unchanged one is reused across runs.
const fsToolRepo = StandinPrefix + "-acc"

var (
	fsToolOnce  sync.Once
	fsToolImage string
	fsToolErr   error
)

// DeleteConfigPaths removes paths (relative to /configs) from the
// workspace's config volume, behind the provider's back, with a throwaway
// container that mounts the volume. The workspace's container keeps running.
func DeleteConfigPaths(t *testing.T, cli *client.Client, workspaceID string, paths ...string) {
	t.Helper()
	fsToolOnce.Do(func() { fsToolImage, fsToolErr = ensureFSToolImage(cli) })
	if fsToolErr != nil {
		t.Fatalf("test tool image: %v", fsToolErr)
	}
	ctx := context.Background()
	args := []string{"rm"}
	for _, p := range paths {
		args = append(args, "/configs/"+p)
	}
	created, err := cli.ContainerCreate(ctx,
		&container.Config{Image: fsToolImage, Cmd: args, Labels: map[string]string{"ai.molecule.terraform.test-tool": "true"}},
		&container.HostConfig{NetworkMode: "none", Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: workspace.ConfigVolumeName(workspaceID), Target: "/configs"}}},
		nil, nil, "")
	if err != nil {
		t.Fatalf("creating the tool container: %v", err)
	}
	defer func() { _ = cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}) }()
	waitCh, errCh := cli.ContainerWait(ctx, created.ID, container.WaitConditionNextExit)
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("starting the tool container: %v", err)
	}
	select {
	case res := <-waitCh:
		if res.StatusCode != 0 {
			t.Fatalf("deleting %v from %s failed with exit code %d", paths, workspace.ConfigVolumeName(workspaceID), res.StatusCode)
		}
	case err := <-errCh:
		t.Fatalf("waiting for the tool container: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("the tool container did not finish within 30s")
	}
}

// ensureFSToolImage builds the tool (a static binary for the engine's
// architecture) and imports it as a one-file image, unless it exists.
func ensureFSToolImage(cli *client.Client) (string, error) {
	sum := sha256.Sum256([]byte(fsToolSource))
	ref := fsToolRepo + ":fstool-" + hex.EncodeToString(sum[:])[:12]
	ctx := context.Background()
	if _, err := cli.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	}
	version, err := cli.ServerVersion(ctx)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "molecule-fstool")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	for name, content := range map[string]string{"main.go": fsToolSource, "go.mod": "module fstool\n\ngo 1.21\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return "", err
		}
	}
	build := exec.Command(goCommand(), "build", "-trimpath", "-ldflags=-s -w", "-o", "fstool", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+version.Arch, "GOTOOLCHAIN=local", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the tool: %v\n%s", err, out)
	}
	binary, err := os.ReadFile(filepath.Join(dir, "fstool"))
	if err != nil {
		return "", err
	}
	var rootfs bytes.Buffer
	tw := tar.NewWriter(&rootfs)
	if err := tw.WriteHeader(&tar.Header{Name: "fstool", Mode: 0o755, Size: int64(len(binary)), Typeflag: tar.TypeReg}); err != nil {
		return "", err
	}
	if _, err := tw.Write(binary); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: &rootfs, SourceName: "-"}, ref, image.ImportOptions{
		Changes: []string{`ENTRYPOINT ["/fstool"]`, "LABEL ai.molecule.terraform.test-image=true"},
	})
	if err != nil {
		return "", fmt.Errorf("importing the tool image: %w", err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return "", err
	}
	return ref, nil
}

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
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// TestImageLabel marks images built by the tests, like the stand-in's.
const TestImageLabel = "ai.molecule.terraform.test-image"

// VariantImagePrefix tags the variant images the drift tests build.
const VariantImagePrefix = "molecule-tf-standin-acc"

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

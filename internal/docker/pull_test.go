// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"testing"
	"time"

	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The tally sums layers and bytes over the pull's messages, whatever their
// order, and keeps the digest.
// testDigest is a well-formed digest for tests.
const testDigest = "sha256:688e14c7e0b2b590673e6a405902c2708dff84f7afb65d697e9ca82fcaede24e"

func TestPullTally(t *testing.T) {
	tl := newPullTally()
	for _, m := range []jsonmessage.JSONMessage{
		{Status: "Pulling from ns/repo", ID: "latest"},
		{Status: "Pulling fs layer", ID: "a"},
		{Status: "Pulling fs layer", ID: "b"},
		{Status: "Already exists", ID: "c"},
		{Status: "Downloading", ID: "a", Progress: &jsonmessage.JSONProgress{Current: 50, Total: 100}},
		{Status: "Downloading", ID: "b", Progress: &jsonmessage.JSONProgress{Current: 10, Total: 300}},
		{Status: "Download complete", ID: "a"},
		{Status: "Pull complete", ID: "a"},
		{Status: "Digest: " + testDigest},
		{Status: "Status: Downloaded newer image for ns/repo:latest"},
	} {
		tl.add(m)
	}
	r, _ := workspace.ParseImageRef("ns/repo:latest")
	f := tl.fields(r, time.Now())
	if f["layers"] != 3 || f["layers_done"] != 2 || f["bytes_downloaded"] != int64(110) || f["bytes_total"] != int64(400) || tl.digest != testDigest {
		t.Errorf("fields %v digest %q", f, tl.digest)
	}
}

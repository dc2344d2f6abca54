// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

const testImage = "registry.test/ns/agent:1"

func newTestBackend() *Backend {
	b := New()
	b.AddNetwork("net")
	b.AddImage(testImage, Digest("v1"))
	b.SetRegistryDigest(testImage, Digest("v1"))
	return b
}

func testSpec(id string) workspace.WorkspaceSpec {
	return workspace.WorkspaceSpec{
		WorkspaceID: id, Name: id, Runtime: "langgraph", Image: testImage, ImagePull: workspace.PullMissing,
		Tier: 2, Network: "net", Running: true, ConfigFiles: map[string]string{"config.yaml": "name: x\n"},
		Env: map[string]string{"A": "1"}, Labels: map[string]string{"team": "t"},
	}
}

func mustCreate(t *testing.T, b *Backend, s workspace.WorkspaceSpec) workspace.ObservedWorkspace {
	t.Helper()
	obs, err := b.Create(context.Background(), s, nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return obs
}

// The observation follows the Docker backend's rules: tier limits, user
// env and labels only, volumes by name, a published port while running.
func TestCreateObservesLikeDocker(t *testing.T) {
	b := newTestBackend()
	obs := mustCreate(t, b, testSpec("ws1"))
	limits := workspace.TierDefaults(2)
	switch {
	case !obs.Exists || !obs.Owned || obs.Status != workspace.StatusRunning || !obs.Running:
		t.Errorf("status %+v", obs)
	case obs.MemoryMB != limits.MemoryMB || obs.CPUs != limits.CPUs:
		t.Errorf("limits %d MiB %g CPU, want the tier's", obs.MemoryMB, obs.CPUs)
	case len(obs.UserEnv) != 1 || obs.UserEnv["A"] != "1" || obs.Env["WORKSPACE_ID"] != "ws1":
		t.Errorf("env %v, user env %v", obs.Env, obs.UserEnv)
	case len(obs.Labels) != 1 || obs.Labels["team"] != "t":
		t.Errorf("labels %v, want only the user's", obs.Labels)
	case obs.ConfigVolume != "ws-ws1-configs" || obs.WorkspaceVolume != "ws-ws1-workspace" || obs.HostPort == "":
		t.Errorf("volumes %q %q, port %q", obs.ConfigVolume, obs.WorkspaceVolume, obs.HostPort)
	case obs.ConfigHashes["config.yaml"] != workspace.HashContent([]byte("name: x\n")) || obs.ConfigStamp == "":
		t.Errorf("hashes %v, stamp %q", obs.ConfigHashes, obs.ConfigStamp)
	case obs.ImageDigest != Digest("v1") || !obs.ImageDigestKnown:
		t.Errorf("digest %q known %t", obs.ImageDigest, obs.ImageDigestKnown)
	}
}

// The stamp spares reading the files back until they change, and covers
// a single managed file only.
func TestInspectFilesStamp(t *testing.T) {
	b := newTestBackend()
	stamp := mustCreate(t, b, testSpec("ws1")).ConfigStamp
	ctx := context.Background()
	b.ResetCalls()
	obs, _ := b.InspectFiles(ctx, "ws1", []string{"config.yaml"}, stamp)
	if obs.ConfigHashes != nil || len(b.CallsOf("readConfigHashes")) != 0 {
		t.Errorf("same stamp: hashes %v read back", obs.ConfigHashes)
	}
	b.WriteConfigFile("ws1", "config.yaml", "name: y\n")
	obs, _ = b.InspectFiles(ctx, "ws1", []string{"config.yaml"}, stamp)
	if obs.ConfigStamp == stamp || obs.ConfigHashes["config.yaml"] != workspace.HashContent([]byte("name: y\n")) {
		t.Errorf("after a write: stamp %q (was %q), hashes %v", obs.ConfigStamp, stamp, obs.ConfigHashes)
	}
	obs, _ = b.InspectFiles(ctx, "ws1", []string{"a.json", "config.yaml"}, "")
	if obs.ConfigStamp != "" || obs.ConfigHashes == nil {
		t.Errorf("two managed files: stamp %q, hashes %v", obs.ConfigStamp, obs.ConfigHashes)
	}
}

// Names come from the id's first 12 characters: another id with the same
// prefix sees the name taken by ours, a foreign holder is not ours, and
// Inspect finds neither.
func TestNamesAndOwnership(t *testing.T) {
	b := newTestBackend()
	ctx := context.Background()
	mustCreate(t, b, testSpec("shared-prefix-a"))
	if msg, ours, _ := b.NameConflict(ctx, "shared-prefix-b"); msg == "" || !ours {
		t.Errorf("same prefix: %q ours=%t", msg, ours)
	}
	if obs, _ := b.Inspect(ctx, "shared-prefix-b", false); obs.Exists {
		t.Errorf("Inspect of the other id found %+v", obs)
	}
	if msg, _, _ := b.NameConflict(ctx, "shared-prefix-a"); msg != "" {
		t.Errorf("own name reported taken: %q", msg)
	}
	b.PutForeignContainer("foreign", false)
	if msg, ours, _ := b.NameConflict(ctx, "foreign"); msg == "" || ours {
		t.Errorf("foreign: %q ours=%t", msg, ours)
	}
	if _, err := b.Create(ctx, testSpec("foreign"), nil); err == nil {
		t.Error("Create over a foreign container succeeded")
	}
	if err := b.Delete(ctx, workspace.Removal{WorkspaceID: "foreign", ConfigVolume: "ws-foreign-configs"}, nil); err != nil || !slices.Contains(b.Containers(), "ws-foreign") {
		t.Errorf("Delete touched the foreign container (err %v): %v", err, b.Containers())
	}
}

// A create that fails before the container exists leaves nothing.
func TestCreateFailuresLeaveNothing(t *testing.T) {
	ctx := context.Background()
	for name, tt := range map[string]struct {
		change func(*Backend, *workspace.WorkspaceSpec)
		want   any
	}{
		"network": {func(_ *Backend, s *workspace.WorkspaceSpec) { s.Network = "absent" }, new(*workspace.MissingNetworkError)},
		"never": {func(b *Backend, s *workspace.WorkspaceSpec) {
			b.RemoveImage(testImage)
			s.ImagePull = workspace.PullNever
		}, new(*workspace.MissingImageError)},
		"registry": {func(b *Backend, _ *workspace.WorkspaceSpec) {
			b.RemoveImage(testImage)
			b.SetRegistryError(testImage, workspace.RegistryAuth)
		}, new(*workspace.RegistryError)},
		"digest moved since the plan": {func(b *Backend, s *workspace.WorkspaceSpec) {
			s.ImagePull, s.ImageDigest = workspace.PullAlways, Digest("v0")
		}, new(*workspace.RegistryError)},
	} {
		t.Run(name, func(t *testing.T) {
			b := newTestBackend()
			s := testSpec("ws1")
			tt.change(b, &s)
			_, err := b.Create(ctx, s, nil)
			if err == nil || !errors.As(err, tt.want) {
				t.Fatalf("Create: %v, want a %T", err, tt.want)
			}
			if c, v := b.Containers(), b.Volumes(); len(c)+len(v) > 0 {
				t.Errorf("left containers %v, volumes %v", c, v)
			}
		})
	}
}

// A pull brings the registry's image: the repo@digest reference and the
// image ID then find it.
func TestPullAndLookup(t *testing.T) {
	b := newTestBackend()
	ctx := context.Background()
	b.SetRegistryDigest(testImage, Digest("v2"))
	s := testSpec("ws1")
	s.ImagePull, s.ImageDigest = workspace.PullAlways, Digest("v2")
	obs := mustCreate(t, b, s)
	ref, _ := workspace.ParseImageRef(testImage)
	id, err := b.ImageID(ctx, ref.RepoDigestRef(Digest("v2")))
	if err != nil || id != obs.ImageID || len(b.CallsOf("pull")) != 1 {
		t.Errorf("by digest: %q %v (container runs %q), pulls %v", id, err, obs.ImageID, b.CallsOf("pull"))
	}
	if d := b.ImageDigestOf(ctx, testImage, obs.ImageID); d != Digest("v2") {
		t.Errorf("ImageDigestOf = %q", d)
	}
}

// Delete keeps our volumes when asked and removes them otherwise.
func TestDeleteKeepVolumes(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []bool{true, false} {
		b := newTestBackend()
		mustCreate(t, b, testSpec("ws1"))
		err := b.Delete(ctx, workspace.Removal{WorkspaceID: "ws1", ConfigVolume: "ws-ws1-configs", WorkspaceVolume: "ws-ws1-workspace", KeepVolumes: keep}, nil)
		want := []string(nil)
		if keep {
			want = []string{"ws-ws1-configs", "ws-ws1-workspace"}
		}
		if err != nil || len(b.Containers()) > 0 || !slices.Equal(b.Volumes(), want) {
			t.Errorf("keep=%t: err %v, containers %v, volumes %v", keep, err, b.Containers(), b.Volumes())
		}
	}
}

// A crash on start returns the stopped container with a *CrashError.
func TestCrashOnStart(t *testing.T) {
	b := newTestBackend()
	b.CrashOnStart("ws1", 137, true, "killed")
	obs, err := b.Create(context.Background(), testSpec("ws1"), nil)
	var crash *workspace.CrashError
	if !errors.As(err, &crash) || crash.ExitCode != 137 || !crash.OOMKilled || !obs.Exists || obs.Running {
		t.Errorf("Create: %v, observed %+v", err, obs)
	}
}

// Update changes limits, files and the running state in the same container.
func TestUpdateInPlace(t *testing.T) {
	b := newTestBackend()
	ctx := context.Background()
	before := mustCreate(t, b, testSpec("ws1"))
	s := testSpec("ws1")
	s.MemoryMB, s.Running, s.ConfigFiles = 256, false, map[string]string{"config.yaml": "name: z\n"}
	obs, err := b.Update(ctx, s, workspace.Changes{Limits: true, Files: true}, nil)
	if err != nil || obs.ContainerID != before.ContainerID || obs.MemoryMB != 256 || obs.Running || obs.HostPort != "" ||
		obs.ConfigHashes["config.yaml"] != workspace.HashContent([]byte("name: z\n")) {
		t.Errorf("Update: %v, observed %+v", err, obs)
	}
}

// FailNext fails one call of a method, then lets them pass.
func TestFailNext(t *testing.T) {
	b := newTestBackend()
	boom := errors.New("boom")
	b.FailNext("CPUCount", boom)
	if _, err := b.CPUCount(context.Background()); !errors.Is(err, boom) {
		t.Errorf("first call: %v", err)
	}
	if n, err := b.CPUCount(context.Background()); err != nil || n != 4 {
		t.Errorf("second call: %d %v", n, err)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package fakebackend

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// A loaded snapshot observes every workspace as the saved fake did (secret
// env values read empty), keeps making fresh ids, and never holds a secret
// value.
func TestSnapshotCarriesTheEngineAndNoSecret(t *testing.T) {
	ctx := context.Background()
	b := newTestBackend()
	withSecret := testSpec("ws1")
	withSecret.SecretEnv, withSecret.SecretEnvVersion = map[string]string{"API_KEY": "s3cret-value"}, "v1"
	withSecret.PlatformToken, withSecret.PlatformTokenVersion = "t0ken-value", "v1"
	mustCreate(t, b, withSecret)
	mustCreate(t, b, testSpec("ws2"))
	b.Stop("ws2")

	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if s := buf.String(); strings.Contains(s, "s3cret-value") || strings.Contains(s, "t0ken-value") {
		t.Fatalf("the snapshot holds a secret value: %s", s)
	}
	loaded, err := Load(&buf)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, id := range []string{"ws1", "ws2"} {
		want, err := b.Inspect(ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := loaded.Inspect(ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := want.Env["API_KEY"]; ok {
			want.Env["API_KEY"] = "" // secret values are not carried
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s after Load:\n got %#v\nwant %#v", id, got, want)
		}
	}
	if got, want := loaded.Volumes(), b.Volumes(); !reflect.DeepEqual(got, want) {
		t.Errorf("volumes after Load %v, want %v", got, want)
	}
	third := mustCreate(t, loaded, testSpec("ws3"))
	for _, id := range []string{"ws1", "ws2"} {
		if w, _ := loaded.Workspace(id); w.ContainerID == third.ContainerID {
			t.Errorf("ws3 got the container id %s of %s", third.ContainerID, id)
		}
	}
	ws1 := testSpec("ws1")
	if err := loaded.Delete(ctx, workspace.Removal{WorkspaceID: "ws1", ConfigVolume: ws1.ConfigVolume(), WorkspaceVolume: ws1.WorkspaceVolume()}, nil); err != nil {
		t.Fatalf("Delete after Load: %v", err)
	}
	if _, ok := loaded.Workspace("ws1"); ok {
		t.Error("ws1 still there after Delete")
	}
	if got := loaded.Volumes(); len(got) != 4 {
		t.Errorf("volumes after deleting ws1: %v, want ws2's and ws3's", got)
	}
}

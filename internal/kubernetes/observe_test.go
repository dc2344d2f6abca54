// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"maps"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// What the objects built from a spec read back as is the spec.
func TestObserveReadsBackTheSpec(t *testing.T) {
	for _, tier := range []int{1, 2, 3, 4} {
		s := testSpec(tier)
		objs := build(t, s)
		objs.Deployment.Status.ReadyReplicas = 1
		o := observe(objs.Deployment, objs.EnvSecret, s.WorkspaceID)
		limits := workspace.EffectiveLimits(s)
		if !o.Exists || !o.Owned || !o.Running || o.Status != workspace.StatusRunning {
			t.Errorf("tier %d: exists %t owned %t running %t status %s", tier, o.Exists, o.Owned, o.Running, o.Status)
		}
		if o.Name != s.Name || o.Runtime != s.Runtime || o.Tier != tier || o.Image != s.Image || o.WorkspaceID != s.WorkspaceID {
			t.Errorf("tier %d: read back %+v", tier, o)
		}
		if o.MemoryMB != limits.MemoryMB || o.CPUs != limits.CPUs {
			t.Errorf("tier %d: limits %d MiB %g CPU, want %+v", tier, o.MemoryMB, o.CPUs, limits)
		}
		if !maps.Equal(o.UserEnv, s.Env) || o.Env["PLATFORM_URL"] != s.PlatformURL {
			t.Errorf("tier %d: user env %v, env %v", tier, o.UserEnv, o.Env)
		}
		if !maps.Equal(o.Labels, s.Labels) || o.SecretEnvVersion != "3" {
			t.Errorf("tier %d: labels %v, secret env version %q", tier, o.Labels, o.SecretEnvVersion)
		}
		if o.Isolation != Isolation(s, testOptions) {
			t.Errorf("tier %d: isolation %q, planned %q", tier, o.Isolation, Isolation(s, testOptions))
		}
		if o.ConfigVolume != s.ConfigVolume() || o.WorkspaceVolume != s.WorkspaceVolume() {
			t.Errorf("tier %d: volumes %q %q, want %q %q", tier, o.ConfigVolume, o.WorkspaceVolume, s.ConfigVolume(), s.WorkspaceVolume())
		}
		want, _ := workspace.ExpectedHashes(nil, s.ConfigFiles)
		if !maps.Equal(o.ConfigHashes, want) {
			t.Errorf("tier %d: config hashes %v, want %v", tier, o.ConfigHashes, want)
		}
	}
}

func TestIsolationByTier(t *testing.T) {
	for tier, want := range map[int]string{
		1: "privileged=false pid=private network=pod readonly_rootfs=true tmpfs=/tmp:memory,size=64Mi",
		2: "privileged=false pid=private network=pod readonly_rootfs=false",
		3: "privileged=true pid=host network=pod readonly_rootfs=false",
		4: "privileged=true pid=host network=host readonly_rootfs=false",
	} {
		if got := Isolation(testSpec(tier), testOptions); got != want {
			t.Errorf("tier %d: %q, want %q", tier, got, want)
		}
	}
}

func TestObserveStatus(t *testing.T) {
	s := testSpec(2)
	objs := build(t, s)
	if o := observe(objs.Deployment, objs.EnvSecret, s.WorkspaceID); o.Running || o.Status != workspace.StatusCreated {
		t.Errorf("no Ready pod yet: running %t status %s", o.Running, o.Status)
	}
	zero := int32(0)
	objs.Deployment.Spec.Replicas = &zero
	objs.Deployment.Status.ReadyReplicas = 1 // the old pod on its way out
	if o := observe(objs.Deployment, objs.EnvSecret, s.WorkspaceID); o.Running || o.Status != workspace.StatusExited {
		t.Errorf("scaled to 0: running %t status %s", o.Running, o.Status)
	}
}

// An env Secret that is not ours says nothing about the workspace's env.
func TestObserveIgnoresForeignSecret(t *testing.T) {
	s := testSpec(2)
	objs := build(t, s)
	objs.EnvSecret.Labels = map[string]string{"app": "other"}
	if o := observe(objs.Deployment, objs.EnvSecret, s.WorkspaceID); len(o.Env) != 0 {
		t.Errorf("env read from a foreign Secret: %v", o.Env)
	}
	if o := observe(objs.Deployment, nil, s.WorkspaceID); len(o.UserEnv) != 0 {
		t.Errorf("env without a Secret: %v", o.UserEnv)
	}
}

func TestConfigSecretRoundTrip(t *testing.T) {
	s := testSpec(2)
	s.PlatformToken = "platform-token"
	objs := build(t, s)
	if _, ok := objs.ConfigSecret.Data[tokenArchiveKey]; !ok {
		t.Fatal("no token archive in the config Secret")
	}
	files, err := configFilesFromSecret(objs.ConfigSecret.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(files, s.ConfigFiles) {
		t.Errorf("files read back %v, want %v", files, s.ConfigFiles)
	}
	for k, v := range objs.ConfigSecret.Data {
		if strings.Contains(string(v), "platform-token") {
			t.Errorf("the token is stored uncompressed under %s", k)
		}
	}
}

func TestConfigSecretTooLarge(t *testing.T) {
	s := testSpec(2)
	// Two files of random-looking letters do not compress below the limit.
	var b strings.Builder
	x := uint32(1)
	for b.Len() < 1<<20-64 {
		x = x*1664525 + 1013904223
		b.WriteByte(byte('a' + x>>24%26))
	}
	s.ConfigFiles = map[string]string{"config.yaml": "name: a\n", "big.txt": b.String(), "big2.txt": b.String()[1:]}
	_, err := BuildObjects(s, testOptions)
	if err == nil || !strings.Contains(err.Error(), "Kubernetes Secret") {
		t.Fatalf("err = %v, want the Secret size limit named", err)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// These tests drive Cluster against client-go's fake clientset: no cluster,
// no controllers (no pod ever appears), so they cover what the calls do to
// objects; tests/kubernetes covers the real thing.

func fakeCluster(objects ...runtime.Object) (*Cluster, *fake.Clientset) {
	// The controller manager makes a namespace's default service account;
	// the fake has none, so it is there from the start.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: DefaultNamespace}}
	cs := fake.NewClientset(append(objects, sa)...)
	return NewWithClient(cs, "https://fake:6443", Config{ConfigInitImage: "init:test"}), cs
}

func stopped(tier int) workspace.WorkspaceSpec {
	s := testSpec(tier)
	s.Running = false
	return s
}

func TestCreateMakesLabelledObjectsAndNamespace(t *testing.T) {
	c, cs := fakeCluster()
	ctx := context.Background()
	obs, err := c.Create(ctx, stopped(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Exists || obs.Running || obs.Status != workspace.StatusExited || obs.ContainerName != "ws-0123456789ab" {
		t.Errorf("observation %+v", obs)
	}
	ns, err := cs.CoreV1().Namespaces().Get(ctx, DefaultNamespace, metav1.GetOptions{})
	if err != nil || ns.Labels[workspace.LabelManaged] != "true" {
		t.Fatalf("namespace %v, %v: want it created and labelled as ours", ns, err)
	}
	owned := metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID + "=0123456789abcdef"}
	secrets, _ := cs.CoreV1().Secrets(DefaultNamespace).List(ctx, owned)
	claims, _ := cs.CoreV1().PersistentVolumeClaims(DefaultNamespace).List(ctx, owned)
	services, _ := cs.CoreV1().Services(DefaultNamespace).List(ctx, owned)
	deps, _ := cs.AppsV1().Deployments(DefaultNamespace).List(ctx, owned)
	if len(secrets.Items) != 2 || len(claims.Items) != 2 || len(services.Items) != 1 || len(deps.Items) != 1 {
		t.Errorf("made %d secrets, %d claims, %d services, %d deployments", len(secrets.Items), len(claims.Items), len(services.Items), len(deps.Items))
	}
	if cms, _ := cs.CoreV1().ConfigMaps(DefaultNamespace).List(ctx, metav1.ListOptions{}); len(cms.Items) != 0 {
		t.Errorf("a ConfigMap was made: %v", cms.Items)
	}
	if _, err := c.Create(ctx, stopped(2), nil); err == nil || !strings.Contains(err.Error(), "terraform import") {
		t.Errorf("a second create of the same id: %v, want a refusal pointing at import", err)
	}
}

func TestCreateRefusesForeignNameAndLeavesIt(t *testing.T) {
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ws-0123456789ab-env", Namespace: DefaultNamespace,
		Labels: map[string]string{"app": "theirs"}}, Data: map[string][]byte{"k": []byte("v")}}
	c, cs := fakeCluster(foreign)
	ctx := context.Background()
	msg, ours, err := c.NameConflict(ctx, "0123456789abcdef")
	if err != nil || ours || !strings.Contains(msg, "Secret ws-0123456789ab-env") || !strings.Contains(msg, "not managed by this provider") {
		t.Errorf("NameConflict = %q, %t, %v", msg, ours, err)
	}
	if _, err := c.Create(ctx, stopped(2), nil); err == nil {
		t.Fatal("create over a foreign Secret succeeded")
	}
	got, err := cs.CoreV1().Secrets(DefaultNamespace).Get(ctx, foreign.Name, metav1.GetOptions{})
	if err != nil || string(got.Data["k"]) != "v" || got.Labels["app"] != "theirs" {
		t.Errorf("the foreign Secret changed: %v, %v", got, err)
	}
	if deps, _ := cs.AppsV1().Deployments(DefaultNamespace).List(ctx, metav1.ListOptions{}); len(deps.Items) != 0 {
		t.Error("a Deployment was made despite the conflict")
	}
	if c.Delete(ctx, workspace.Removal{WorkspaceID: "0123456789abcdef", ConfigVolume: "ws-0123456789ab-configs"}, nil) != nil {
		t.Fatal("delete failed")
	}
	if _, err := cs.CoreV1().Secrets(DefaultNamespace).Get(ctx, foreign.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("delete removed the foreign Secret: %v", err)
	}
}

// TestCreateFailingHalfWayUndoesWhatItMade: the Secrets, claims and Service
// are made at once; when one of them fails, the others already made are
// removed, and no Deployment is made.
func TestCreateFailingHalfWayUndoesWhatItMade(t *testing.T) {
	c, cs := fakeCluster()
	cs.PrependReactor("create", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("admission webhook refused the Service")
	})
	ctx := context.Background()
	if _, err := c.Create(ctx, stopped(2), nil); err == nil || !strings.Contains(err.Error(), "admission webhook") {
		t.Fatalf("create with the Service refused: %v", err)
	}
	madeByUs := metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID}
	if l, _ := cs.CoreV1().Secrets(DefaultNamespace).List(ctx, madeByUs); len(l.Items) != 0 {
		t.Errorf("the failed create left %d Secret(s)", len(l.Items))
	}
	if l, _ := cs.CoreV1().PersistentVolumeClaims(DefaultNamespace).List(ctx, madeByUs); len(l.Items) != 0 {
		t.Errorf("the failed create left %d claim(s)", len(l.Items))
	}
	if l, _ := cs.AppsV1().Deployments(DefaultNamespace).List(ctx, madeByUs); len(l.Items) != 0 {
		t.Errorf("the failed create made %d Deployment(s)", len(l.Items))
	}
}

func TestNameConflictWithAnotherWorkspaceOfOurs(t *testing.T) {
	c, _ := fakeCluster()
	ctx := context.Background()
	if _, err := c.Create(ctx, stopped(2), nil); err != nil {
		t.Fatal(err)
	}
	msg, ours, err := c.NameConflict(ctx, "0123456789abXYZ")
	if err != nil || !ours || !strings.Contains(msg, "shares the first 12 characters") {
		t.Errorf("NameConflict = %q, %t, %v", msg, ours, err)
	}
	if msg, _, _ := c.NameConflict(ctx, "0123456789abcdef"); msg != "" {
		t.Errorf("the workspace's own objects conflict with it: %s", msg)
	}
}

func TestDeleteRemovesOursKeepingVolumesWhenAsked(t *testing.T) {
	for _, keep := range []bool{false, true} {
		c, cs := fakeCluster()
		ctx := context.Background()
		s := stopped(2)
		if _, err := c.Create(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		err := c.Delete(ctx, workspace.Removal{WorkspaceID: s.WorkspaceID, ConfigVolume: s.ConfigVolume(),
			WorkspaceVolume: s.WorkspaceVolume(), KeepVolumes: keep}, nil)
		if err != nil {
			t.Fatal(err)
		}
		owned := metav1.ListOptions{LabelSelector: workspace.LabelManaged + "=true"}
		secrets, _ := cs.CoreV1().Secrets(DefaultNamespace).List(ctx, owned)
		services, _ := cs.CoreV1().Services(DefaultNamespace).List(ctx, owned)
		deps, _ := cs.AppsV1().Deployments(DefaultNamespace).List(ctx, owned)
		claims, _ := cs.CoreV1().PersistentVolumeClaims(DefaultNamespace).List(ctx, owned)
		if len(secrets.Items)+len(services.Items)+len(deps.Items) != 0 {
			t.Errorf("keep %t: left %d secrets, %d services, %d deployments", keep, len(secrets.Items), len(services.Items), len(deps.Items))
		}
		if want := map[bool]int{false: 0, true: 2}[keep]; len(claims.Items) != want {
			t.Errorf("keep %t: %d claims left, want %d", keep, len(claims.Items), want)
		}
		if keep {
			// The kept claims are reused by the next create of the id.
			if _, err := c.Create(ctx, s, nil); err != nil {
				t.Errorf("create over kept claims: %v", err)
			}
			detached, err := c.DetachedVolumes(ctx)
			if err != nil || len(detached) != 0 {
				t.Errorf("detached after re-create: %v, %v", detached, err)
			}
		}
	}
}

func TestUpdateScalesAndChangesLimits(t *testing.T) {
	c, cs := fakeCluster()
	ctx := context.Background()
	s := stopped(2)
	if _, err := c.Create(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	s.MemoryMB, s.CPUs, s.Running, s.WaitForReady = 1024, 0.5, true, false
	s.ConfigFiles = map[string]string{"config.yaml": "name: changed\n"}
	obs, err := c.Update(ctx, s, workspace.Changes{Limits: true, Files: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obs.MemoryMB != 1024 || obs.CPUs != 0.5 {
		t.Errorf("limits read back %d MiB %g CPU", obs.MemoryMB, obs.CPUs)
	}
	dep, _ := cs.AppsV1().Deployments(DefaultNamespace).Get(ctx, "ws-0123456789ab", metav1.GetOptions{})
	if *dep.Spec.Replicas != 1 {
		t.Errorf("replicas %d after running = true", *dep.Spec.Replicas)
	}
	sec, _ := cs.CoreV1().Secrets(DefaultNamespace).Get(ctx, "ws-0123456789ab-config", metav1.GetOptions{})
	files, _ := configFilesFromSecret(sec.Data)
	if files["config.yaml"] != "name: changed\n" {
		t.Errorf("config Secret holds %v", files)
	}
	if obs.ConfigHashes["config.yaml"] != workspace.HashContent([]byte("name: changed\n")) {
		t.Errorf("hashes %v", obs.ConfigHashes)
	}
}

func TestListIsOneCallAndFilters(t *testing.T) {
	c, cs := fakeCluster()
	ctx := context.Background()
	for _, id := range []string{"bbbb", "aaaa"} {
		s := stopped(2)
		s.WorkspaceID = id
		if _, err := c.Create(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	cs.ClearActions()
	all, err := c.List(ctx, workspace.ListFilter{})
	if err != nil || len(all) != 2 || all[0].WorkspaceID != "aaaa" {
		t.Fatalf("List = %v, %v", all, err)
	}
	if n := len(cs.Actions()); n != 1 {
		t.Errorf("List made %d API calls, want 1", n)
	}
	none, _ := c.List(ctx, workspace.ListFilter{Tier: 3})
	running, _ := c.List(ctx, workspace.ListFilter{Status: workspace.StatusRunning})
	team, _ := c.List(ctx, workspace.ListFilter{Labels: map[string]string{"team": "research"}})
	if len(none) != 0 || len(running) != 0 || len(team) != 2 {
		t.Errorf("filters: tier 3 %d, running %d, team %d", len(none), len(running), len(team))
	}
}

// A refresh of a whole fleet is three lists (workspace Deployments, env
// Secrets, claims), made once and shared, and observes each workspace as
// Inspect's two gets do; a missing Deployment is "missing", not an error.
func TestInspectCallsAndMissing(t *testing.T) {
	c, cs := fakeCluster()
	ctx := context.Background()
	ids := []string{"aaaa", "bbbb", "cccc"}
	for _, id := range ids {
		s := stopped(2)
		s.WorkspaceID = id
		s.Env = map[string]string{"WHO": id}
		if _, err := c.Create(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	cs.ClearActions()
	for _, id := range append(ids, "dddd") {
		obs, err := c.InspectFiles(ctx, id, []string{"config.yaml"}, "")
		if id == "dddd" {
			if err != nil || obs.Exists || obs.Status != workspace.StatusMissing {
				t.Errorf("InspectFiles of a missing workspace = %+v, %v", obs, err)
			}
			continue
		}
		if err != nil || !obs.Exists || obs.ConfigHashes["config.yaml"] == "" || obs.ConfigVolume != "ws-"+id+"-configs" || obs.Env["WHO"] != id {
			t.Fatalf("InspectFiles(%s) = %+v, %v", id, obs, err)
		}
	}
	var verbs []string
	for _, a := range cs.Actions() {
		verbs = append(verbs, a.GetVerb()+" "+a.GetResource().Resource)
	}
	slices.Sort(verbs)
	if want := []string{"list deployments", "list persistentvolumeclaims", "list secrets"}; !slices.Equal(verbs, want) {
		t.Errorf("refreshing %d workspaces made %v, want %v", len(ids)+1, verbs, want)
	}
	for _, id := range ids {
		got, _ := c.InspectFiles(ctx, id, nil, "")
		want, err := c.Inspect(ctx, id, false)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("InspectFiles(%s) = %+v\nInspect = %+v, %v", id, got, want, err)
		}
	}
	obs, err := c.Inspect(ctx, "ffffffff", false)
	if err != nil || obs.Exists || obs.Status != workspace.StatusMissing {
		t.Errorf("missing workspace: %+v, %v", obs, err)
	}
}

// A claim deleted behind Terraform's back reads as no volume.
func TestInspectFilesSeesDeletedClaims(t *testing.T) {
	c, cs := fakeCluster()
	ctx := context.Background()
	s := stopped(2)
	if _, err := c.Create(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().PersistentVolumeClaims(DefaultNamespace).Delete(ctx, s.WorkspaceVolume(), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	c.forgetSnapshot()
	obs, err := c.InspectFiles(ctx, s.WorkspaceID, nil, "")
	if err != nil || obs.WorkspaceVolume != "" || obs.ConfigVolume != s.ConfigVolume() {
		t.Errorf("after deleting the workspace claim: config %q workspace %q, %v", obs.ConfigVolume, obs.WorkspaceVolume, err)
	}
}

func TestAPIErrorsNameTheServer(t *testing.T) {
	c, cs := fakeCluster()
	cs.PrependReactor("*", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, context.DeadlineExceeded
	})
	_, err := c.Inspect(context.Background(), "0123456789abcdef", false)
	if err == nil || !strings.Contains(err.Error(), "https://fake:6443") {
		t.Errorf("err = %v, want the API server named", err)
	}
}

// The refresh snapshot is dropped when this provider changes a workspace:
// a refresh after a create, an update or a delete sees the change.
func TestRefreshSnapshotIsDroppedAfterAChange(t *testing.T) {
	c, _ := fakeCluster()
	ctx := context.Background()
	s := stopped(2)
	if obs, _ := c.InspectFiles(ctx, s.WorkspaceID, nil, ""); obs.Exists {
		t.Fatalf("before create: %+v", obs)
	}
	if _, err := c.Create(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if obs, _ := c.InspectFiles(ctx, s.WorkspaceID, nil, ""); !obs.Exists {
		t.Fatal("after create: the refresh still reads the snapshot from before it")
	}
	s.MemoryMB = 321
	if _, err := c.Update(ctx, s, workspace.Changes{Limits: true}, nil); err != nil {
		t.Fatal(err)
	}
	if obs, _ := c.InspectFiles(ctx, s.WorkspaceID, nil, ""); obs.MemoryMB != 321 {
		t.Fatalf("after update: memory %d MB, want 321", obs.MemoryMB)
	}
	if err := c.Delete(ctx, workspace.Removal{WorkspaceID: s.WorkspaceID}, nil); err != nil {
		t.Fatal(err)
	}
	if obs, _ := c.InspectFiles(ctx, s.WorkspaceID, nil, ""); obs.Exists {
		t.Fatalf("after delete: %+v", obs)
	}
}

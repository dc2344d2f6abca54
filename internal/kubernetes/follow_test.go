// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// The waits read once, then judge what the watches deliver: these tests
// change objects in the fake clientset's tracker (which feeds its watches)
// and count the calls the waits make.

const testID = "0123456789abcdef"

func testDeployment() *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: workspace.ContainerName(testID), Namespace: DefaultNamespace,
		UID: "dep-1", Labels: workspace.OwnershipLabels(testID, workspace.RoleContainer)}}
	one := int32(1)
	d.Spec.Replicas = &one
	return d
}

func testPod(name string) *corev1.Pod {
	p := podWith(initDone, corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	p.Name, p.Namespace, p.UID = name, DefaultNamespace, types.UID("uid-"+name)
	p.Labels = workspace.OwnershipLabels(testID, workspace.RoleContainer)
	p.Status.Phase = corev1.PodRunning
	return p
}

// waitForWatches waits until the fake has been asked for n watches, so
// that what the test changes next reaches them.
func waitForWatches(t *testing.T, cs *fake.Clientset, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if count(cs, "watch", "") >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the wait opened %d watches, want %d", count(cs, "watch", ""), n)
}

// count is the number of calls with verb on resource ("" = any).
func count(cs *fake.Clientset, verb, resource string) int {
	n := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == verb && (resource == "" || a.GetResource().Resource == resource) {
			n++
		}
	}
	return n
}

func readySpec() workspace.WorkspaceSpec {
	s := testSpec(2)
	s.WorkspaceID, s.Running, s.WaitForReady, s.ReadyTimeout = testID, true, true, 10*time.Second
	return s
}

type waitResult struct {
	dep *appsv1.Deployment
	err error
}

func startWaitReady(c *Cluster, s workspace.WorkspaceSpec) chan waitResult {
	done := make(chan waitResult, 1)
	go func() {
		dep, err := c.waitReady(context.Background(), s, nil, nil)
		done <- waitResult{dep, err}
	}()
	return done
}

func result(t *testing.T, done chan waitResult) waitResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end on the watch event")
		return waitResult{}
	}
}

func TestWaitReadyEndsOnThePodsReadyEvent(t *testing.T) {
	c, cs := fakeCluster(testDeployment(), testPod("p1"))
	done := startWaitReady(c, readySpec())
	waitForWatches(t, cs, 2)
	p := testPod("p1")
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if err := cs.Tracker().Update(corev1.SchemeGroupVersion.WithResource("pods"), p, DefaultNamespace); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	if r.err != nil || r.dep == nil || r.dep.Name != workspace.ContainerName(testID) {
		t.Fatalf("waitReady = %v, %v", r.dep, r.err)
	}
	// One read and two watches: no re-read per event.
	if g, l, w := count(cs, "get", "deployments"), count(cs, "list", "pods"), count(cs, "watch", ""); g != 1 || l != 1 || w != 2 {
		t.Errorf("calls: %d Deployment gets, %d pod lists, %d watches; want 1, 1, 2", g, l, w)
	}
}

// A Ready pod from before the Deployment (an orphaned ReplicaSet's) does
// not end the wait for a new one.
func TestWaitReadyIgnoresAnOlderReadyPod(t *testing.T) {
	dep := testDeployment()
	dep.CreationTimestamp = metav1.Now()
	old := testPod("old")
	old.CreationTimestamp = metav1.NewTime(dep.CreationTimestamp.Add(-time.Hour))
	old.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	c, cs := fakeCluster(dep, old)
	done := startWaitReady(c, readySpec())
	waitForWatches(t, cs, 2)
	select {
	case r := <-done:
		t.Fatalf("the wait ended (%v) on a pod older than the Deployment", r.err)
	case <-time.After(200 * time.Millisecond):
	}
	p := testPod("new")
	p.CreationTimestamp = dep.CreationTimestamp
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if err := cs.Tracker().Add(p); err != nil {
		t.Fatal(err)
	}
	if r := result(t, done); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestWaitReadyFailsFastOnACrashEvent(t *testing.T) {
	c, cs := fakeCluster(testDeployment(), testPod("p1"))
	done := startWaitReady(c, readySpec())
	waitForWatches(t, cs, 2)
	p := testPod("p1")
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}
	if err := cs.Tracker().Update(corev1.SchemeGroupVersion.WithResource("pods"), p, DefaultNamespace); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	var crash *workspace.CrashError
	if !errors.As(r.err, &crash) || crash.ExitCode != 3 {
		t.Fatalf("waitReady error %v, want a crash with exit code 3", r.err)
	}
	dep, _ := cs.AppsV1().Deployments(DefaultNamespace).Get(context.Background(), workspace.ContainerName(testID), metav1.GetOptions{})
	if *dep.Spec.Replicas != 0 {
		t.Errorf("a crashed workspace's Deployment keeps %d replicas, want it scaled to 0", *dep.Spec.Replicas)
	}
}

func TestWaitReadyReportsTheDeploymentDeleted(t *testing.T) {
	c, cs := fakeCluster(testDeployment())
	done := startWaitReady(c, readySpec())
	waitForWatches(t, cs, 2)
	if err := cs.Tracker().Delete(appsv1.SchemeGroupVersion.WithResource("deployments"), DefaultNamespace, workspace.ContainerName(testID)); err != nil {
		t.Fatal(err)
	}
	if r := result(t, done); r.err == nil || !strings.Contains(r.err.Error(), "was deleted") {
		t.Fatalf("waitReady error %v, want the Deployment deleted", r.err)
	}
}

// A pod the scheduler cannot place: the timeout says why, in the
// scheduler's words.
func TestNotReadyCarriesTheSchedulersMessage(t *testing.T) {
	p := testPod("p1")
	p.Status.Phase = corev1.PodPending
	p.Status.InitContainerStatuses, p.Status.ContainerStatuses = nil, nil
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: "0/1 nodes are available: 1 Insufficient memory."}}
	c, _ := fakeCluster(testDeployment(), p)
	s := readySpec()
	s.ReadyTimeout = 300 * time.Millisecond
	_, err := c.waitReady(context.Background(), s, nil, nil)
	var nr *workspace.NotReadyError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "0/1 nodes are available: 1 Insufficient memory.") {
		t.Fatalf("waitReady error %v, want a NotReadyError with the scheduler's message", err)
	}
}

// A watch the API refuses leaves the wait polling: it still converges.
func TestWaitPodsGonePollsWithoutAWatch(t *testing.T) {
	c, cs := fakeCluster(testPod("p1"))
	cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, nil, errors.New("watch refused")
	})
	done := make(chan error, 1)
	go func() { done <- c.waitPodsGone(context.Background(), testID, 10*time.Second) }()
	time.Sleep(150 * time.Millisecond)
	if err := cs.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), DefaultNamespace, "p1"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("polling did not see the pod go")
	}
	if count(cs, "list", "pods") < 2 {
		t.Error("without a watch the wait must re-read")
	}
}

func TestWaitPodsGoneEndsOnTheDeleteEvent(t *testing.T) {
	c, cs := fakeCluster(testPod("p1"), testPod("p2"))
	done := make(chan error, 1)
	go func() { done <- c.waitPodsGone(context.Background(), testID, 10*time.Second) }()
	waitForWatches(t, cs, 1)
	for _, name := range []string{"p1", "p2"} {
		if err := cs.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), DefaultNamespace, name); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end on the delete events")
	}
	if n := count(cs, "list", "pods"); n != 1 {
		t.Errorf("%d pod lists, want 1", n)
	}
}

func TestWaitPodsGoneTimesOutNamingThePod(t *testing.T) {
	c, _ := fakeCluster(testPod("p1"))
	err := c.waitPodsGone(context.Background(), testID, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "pod p1 still there") {
		t.Fatalf("waitPodsGone error %v, want the pod named", err)
	}
}

func TestWaitClaimsGoneWaitsForEachClaim(t *testing.T) {
	claim := func(name string) runtime.Object {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: DefaultNamespace,
			Labels: workspace.OwnershipLabels(testID, workspace.RoleConfigVolume)}}
	}
	c, cs := fakeCluster(claim("a"), claim("b"), claim("kept"))
	done := make(chan error, 1)
	go func() { done <- c.waitClaimsGone(context.Background(), testID, []string{"a", "b"}) }()
	waitForWatches(t, cs, 1)
	claims := corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims")
	if err := cs.Tracker().Delete(claims, DefaultNamespace, "a"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("the wait ended (%v) with claim b still there", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := cs.Tracker().Delete(claims, DefaultNamespace, "b"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end once both claims went")
	}
}

// Create and Delete work in goroutines, but the provider's logger is not
// safe for concurrent use: progress is never called twice at once.
func TestProgressIsNeverConcurrent(t *testing.T) {
	c, _ := fakeCluster()
	var inside, overlaps, calls atomic.Int32
	progress := func(context.Context, string, map[string]any) {
		calls.Add(1)
		if inside.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(20 * time.Millisecond) // long enough for two claims to meet here
		inside.Add(-1)
	}
	s := stopped(2)
	if _, err := c.Create(context.Background(), s, progress); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(context.Background(), workspace.Removal{WorkspaceID: s.WorkspaceID,
		ConfigVolume: s.ConfigVolume(), WorkspaceVolume: s.WorkspaceVolume()}, progress); err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 4 || overlaps.Load() != 0 {
		t.Errorf("%d progress calls, %d of them while another ran; want several and none", calls.Load(), overlaps.Load())
	}
}

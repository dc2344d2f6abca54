// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
)

// testBackend is a Cluster on the test cluster in a namespace of its own
// (which the Cluster creates), removed with everything in it at the end.
type testBackend struct {
	c  *backend.Cluster
	cs *kubernetes.Clientset
	ns string
}

func newBackend(t *testing.T) testBackend {
	t.Helper()
	cs, _ := cluster(t)
	ns := "tfacc-k8s-" + rand.String(8)
	c, err := backend.New(backend.Config{ConfigPath: os.Getenv(kubeconfigEnv), Namespace: ns, ConfigInitImage: configInitImage})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteNamespace(t, cs, ns) })
	return testBackend{c: c, cs: cs, ns: ns}
}

// spec is a running tier-n workspace of the stand-in, waited for.
func spec(tier int, suffix string) workspace.WorkspaceSpec {
	id := acctest.RandomID(suffix)
	return workspace.WorkspaceSpec{
		WorkspaceID: id, Name: "k8s " + suffix, Runtime: "langgraph", Image: standinImage, Tier: tier,
		ImagePull:   workspace.PullNever,
		ConfigFiles: map[string]string{"config.yaml": fmt.Sprintf("name: %s\nruntime: langgraph\nmodel: k8s-model\n", id)},
		Env:         map[string]string{"MOLECULE_TEST_VALUE": "value-" + suffix},
		PlatformURL: "http://platform.invalid:8080",
		Running:     true, WaitForReady: true, ReadyTimeout: 2 * time.Minute,
		// Small requests: the test cluster is one node of 2 CPUs, shared
		// with other tests (a tier's defaults would take a whole CPU).
		CPUs: 0.25, MemoryMB: 128,
	}
}

func (b testBackend) create(t *testing.T, s workspace.WorkspaceSpec) workspace.ObservedWorkspace {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	obs, err := b.c.Create(ctx, s, nil)
	if err != nil {
		t.Fatalf("create %s: %v\nevents:\n%s", s.ContainerName(), err, events(b.cs, b.ns))
	}
	t.Logf("%s created and Ready in %.1fs", s.ContainerName(), time.Since(start).Seconds())
	return obs
}

func (b testBackend) remove(t *testing.T, s workspace.WorkspaceSpec, keep bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := b.c.Delete(ctx, workspace.Removal{WorkspaceID: s.WorkspaceID, ConfigVolume: s.ConfigVolume(),
		WorkspaceVolume: s.WorkspaceVolume(), SessionsVolume: s.SessionsVolume(), KeepVolumes: keep}, nil)
	if err != nil {
		t.Fatalf("delete %s: %v", s.ContainerName(), err)
	}
}

// readyPod is the workspace's one pod, which must be Ready.
func (b testBackend) readyPod(t *testing.T, workspaceID string) *corev1.Pod {
	t.Helper()
	pods := b.pods(t, workspaceID)
	var live []corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	if len(live) != 1 {
		t.Fatalf("%d live pods for %s, want 1", len(live), workspaceID)
	}
	for _, c := range live[0].Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return &live[0]
		}
	}
	t.Fatalf("pod %s is not Ready: %+v", live[0].Name, live[0].Status)
	return nil
}

func (b testBackend) pods(t *testing.T, workspaceID string) []corev1.Pod {
	t.Helper()
	list, err := b.cs.CoreV1().Pods(b.ns).List(context.Background(), metav1.ListOptions{
		LabelSelector: workspace.LabelWorkspaceID + "=" + workspaceID})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// owned counts the objects of each kind in the namespace carrying our
// ownership label (for workspaceID, or any when "").
func (b testBackend) owned(t *testing.T, workspaceID string) map[string]int {
	t.Helper()
	ctx := context.Background()
	sel := workspace.LabelManaged + "=true"
	if workspaceID != "" {
		sel += "," + workspace.LabelWorkspaceID + "=" + workspaceID
	}
	opts := metav1.ListOptions{LabelSelector: sel}
	counts := map[string]int{}
	deps, err1 := b.cs.AppsV1().Deployments(b.ns).List(ctx, opts)
	rss, err2 := b.cs.AppsV1().ReplicaSets(b.ns).List(ctx, opts)
	pods, err3 := b.cs.CoreV1().Pods(b.ns).List(ctx, opts)
	svcs, err4 := b.cs.CoreV1().Services(b.ns).List(ctx, opts)
	secs, err5 := b.cs.CoreV1().Secrets(b.ns).List(ctx, opts)
	pvcs, err6 := b.cs.CoreV1().PersistentVolumeClaims(b.ns).List(ctx, opts)
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts["Deployment"], counts["ReplicaSet"], counts["Pod"] = len(deps.Items), len(rss.Items), len(pods.Items)
	counts["Service"], counts["Secret"], counts["PersistentVolumeClaim"] = len(svcs.Items), len(secs.Items), len(pvcs.Items)
	return counts
}

// agentURL is the pod's agent address: pod IPs are routed from the host.
func agentURL(p *corev1.Pod, path string) string {
	return fmt.Sprintf("http://%s:%d%s", p.Status.PodIP, agentPort, path)
}

// fetch GETs url and returns status, body and the X-File-Mode header.
func fetch(t *testing.T, method, url, body string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("X-File-Mode")
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package kubernetes_test proves that the test cluster made by
// scripts/ensure-kubernetes.sh can run a workspace the way the Kubernetes
// backend will: a claim for /configs filled by an init container, env from a
// Secret, limits, a readiness probe, the agent reached through the API
// server's port-forward, and everything gone after the delete.
package kubernetes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	// KubeconfigEnv names the test cluster's kubeconfig; .ci/run and
	// `make kubernetes` set it from scripts/ensure-kubernetes.sh.
	kubeconfigEnv = "MOLECULE_TEST_KUBECONFIG"

	standinImage    = "molecule-tf-standin:langgraph"
	configInitImage = "molecule-configinit:test"
	agentPort       = 8000
	readyPath       = "/.well-known/agent-card.json"

	ownerLabel = "ai.molecule.terraform.managed"
	testLabel  = "ai.molecule.terraform.test"
)

// cluster returns a client for the test cluster. Outside acceptance runs the
// test skips; inside them a missing or unreachable cluster fails it.
func cluster(t *testing.T) (*kubernetes.Clientset, *rest.Config) {
	t.Helper()
	acctest.AcceptanceOnly(t)
	path := os.Getenv(kubeconfigEnv)
	if path == "" {
		t.Fatalf("TF_ACC is set but %s is not: run\n  export %s=\"$(scripts/ensure-kubernetes.sh --load-image %s %s)\"",
			kubeconfigEnv, kubeconfigEnv, standinImage, configInitImage)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", path, err)
	}
	cfg.Timeout = 30 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client for %s: %v", cfg.Host, err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("Kubernetes API server %s (kubeconfig %s) does not answer: %v", cfg.Host, path, err)
	}
	t.Logf("cluster %s, Kubernetes %s", cfg.Host, v.GitVersion)
	return cs, cfg
}

func TestAccKubernetesCluster_workspaceSmoke(t *testing.T) {
	cs, cfg := cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	id := "tfacc-" + rand.String(8)
	labels := map[string]string{ownerLabel: "true", testLabel: "cluster-smoke", "app": id}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: id, Labels: map[string]string{
		ownerLabel: "true", testLabel: "cluster-smoke"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", id, err)
	}
	t.Cleanup(func() { deleteNamespace(t, cs, id) })
	// Pods are refused until the namespace's default service account exists.
	waitGone(ctx, t, "no service account in "+id, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(id).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, ignoreNotFound(err)
	})

	envValue := "smoke-" + rand.String(12)
	configYAML := fmt.Sprintf("name: %s\nruntime: langgraph\nmodel: smoke-model\n", id)
	objs := workspaceObjects(id, labels, envValue, configYAML)

	start := time.Now()
	if _, err := cs.CoreV1().Secrets(id).Create(ctx, objs.env, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create env secret: %v", err)
	}
	if _, err := cs.CoreV1().Secrets(id).Create(ctx, objs.files, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create config files secret: %v", err)
	}
	if _, err := cs.CoreV1().PersistentVolumeClaims(id).Create(ctx, objs.claim, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create claim: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(id).Create(ctx, objs.deployment, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}

	pod := waitPodReady(ctx, t, cs, id, "app="+id)
	t.Logf("pod %s Ready %.1fs after the first create (pod IP %s)", pod.Name, time.Since(start).Seconds(), pod.Status.PodIP)

	claim, err := cs.CoreV1().PersistentVolumeClaims(id).Get(ctx, objs.claim.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get claim: %v", err)
	}
	if claim.Status.Phase != corev1.ClaimBound || claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName == "" {
		t.Fatalf("claim %s: phase %s, storage class %v; want Bound through the default class",
			claim.Name, claim.Status.Phase, claim.Spec.StorageClassName)
	}
	agent := pod.Spec.Containers[0]
	if got := agent.Resources.Limits.Memory().String(); got != "256Mi" {
		t.Errorf("memory limit %s, want 256Mi", got)
	}
	if len(agent.Env) != 0 || len(agent.EnvFrom) != 1 || agent.EnvFrom[0].SecretRef == nil {
		t.Errorf("env must come only from the Secret: env %v, envFrom %v", agent.Env, agent.EnvFrom)
	}

	base, stop := portForward(ctx, t, cfg, id, pod.Name, agentPort)
	defer stop()

	var card map[string]any
	body := httpGet(ctx, t, base+readyPath)
	if err := json.Unmarshal(body, &card); err != nil {
		t.Fatalf("agent card is not JSON: %v\n%s", err, body)
	}
	// The name comes from config.yaml: the init container put it in /configs.
	if card["name"] != id || card["runtime"] != "langgraph" || card["model"] != "smoke-model" {
		t.Errorf("agent card %v: want name %s, runtime langgraph, model smoke-model from config.yaml", card, id)
	}
	if got := httpGet(ctx, t, base+"/files?path=/configs/config.yaml"); string(got) != configYAML {
		t.Errorf("/configs/config.yaml in the pod is %q, want %q", got, configYAML)
	}
	if got := httpGet(ctx, t, base+"/env?key=MOLECULE_SMOKE"); string(got) != envValue {
		t.Errorf("env MOLECULE_SMOKE in the pod is %q, want %q (from the Secret)", got, envValue)
	}
	if got := httpGet(ctx, t, base+"/env?key=WORKSPACE_ID"); string(got) != id {
		t.Errorf("env WORKSPACE_ID in the pod is %q, want %q", got, id)
	}
	stop()
	// The node's bridge routes the host to the pod network too (the kubelet's
	// probes take that way).
	podURL := fmt.Sprintf("http://%s:%d/healthz", pod.Status.PodIP, agentPort)
	if got := httpGet(ctx, t, podURL); string(got) != "ok" {
		t.Errorf("GET %s = %q, want ok", podURL, got)
	}

	// Delete: the workload (its pod with it), then the claim, then the rest.
	start = time.Now()
	foreground := metav1.DeletePropagationForeground
	if err := cs.AppsV1().Deployments(id).Delete(ctx, objs.deployment.Name,
		metav1.DeleteOptions{PropagationPolicy: &foreground}); err != nil {
		t.Fatalf("delete deployment: %v", err)
	}
	waitGone(ctx, t, "pods of "+id, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(id).List(ctx, metav1.ListOptions{LabelSelector: "app=" + id})
		return err == nil && len(pods.Items) == 0, err
	})
	t.Logf("pod gone %.1fs after the delete", time.Since(start).Seconds())
	pvName := claim.Spec.VolumeName
	if err := cs.CoreV1().PersistentVolumeClaims(id).Delete(ctx, claim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete claim: %v", err)
	}
	waitGone(ctx, t, "claim "+claim.Name, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().PersistentVolumeClaims(id).Get(ctx, claim.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), ignoreNotFound(err)
	})
	waitGone(ctx, t, "volume "+pvName, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
		return apierrors.IsNotFound(err), ignoreNotFound(err)
	})
	for _, s := range []string{objs.env.Name, objs.files.Name} {
		if err := cs.CoreV1().Secrets(id).Delete(ctx, s, metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete secret %s: %v", s, err)
		}
	}
	left, err := cs.CoreV1().Secrets(id).List(ctx, metav1.ListOptions{LabelSelector: ownerLabel + "=true"})
	if err != nil || len(left.Items) != 0 {
		t.Fatalf("labelled secrets left after the delete: %v (err %v)", left, err)
	}
	t.Logf("pod, claim and volume gone %.1fs after the delete", time.Since(start).Seconds())
}

type smokeObjects struct {
	env, files *corev1.Secret
	claim      *corev1.PersistentVolumeClaim
	deployment *appsv1.Deployment
}

// workspaceObjects is the shape the Kubernetes backend is expected to create.
func workspaceObjects(id string, labels map[string]string, envValue, configYAML string) smokeObjects {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: labels}
	}
	one := int32(1)
	noToken := false
	return smokeObjects{
		env: &corev1.Secret{ObjectMeta: meta("ws-env"), StringData: map[string]string{
			"MOLECULE_SMOKE": envValue,
			"WORKSPACE_ID":   id,
		}},
		files: &corev1.Secret{ObjectMeta: meta("ws-files"), StringData: map[string]string{
			"config.yaml": configYAML,
		}},
		claim: &corev1.PersistentVolumeClaim{ObjectMeta: meta("ws-configs"), Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("64Mi"),
			}},
		}},
		deployment: &appsv1.Deployment{ObjectMeta: meta("ws"), Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": id}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken:  &noToken,
					TerminationGracePeriodSeconds: ptr(int64(5)),
					Volumes: []corev1.Volume{
						{Name: "configs", VolumeSource: corev1.VolumeSource{
							PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "ws-configs"}}},
						{Name: "config-files", VolumeSource: corev1.VolumeSource{
							Secret: &corev1.SecretVolumeSource{SecretName: "ws-files"}}},
					},
					InitContainers: []corev1.Container{{
						Name:            "config-files",
						Image:           configInitImage,
						ImagePullPolicy: corev1.PullNever,
						Args:            []string{"/config-files", "/configs"},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config-files", MountPath: "/config-files", ReadOnly: true},
							{Name: "configs", MountPath: "/configs"},
						},
						Resources: limits("32Mi", "100m"),
					}},
					Containers: []corev1.Container{{
						Name:            "agent",
						Image:           standinImage,
						ImagePullPolicy: corev1.PullNever,
						EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "ws-env"}}}},
						Ports:        []corev1.ContainerPort{{Name: "a2a", ContainerPort: agentPort}},
						VolumeMounts: []corev1.VolumeMount{{Name: "configs", MountPath: "/configs"}},
						Resources:    limits("256Mi", "500m"),
						ReadinessProbe: &corev1.Probe{
							ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
								Path: readyPath, Port: intstr.FromInt32(agentPort)}},
							PeriodSeconds:    1,
							FailureThreshold: 3,
						},
					}},
				},
			},
		}},
	}
}

func limits(memory, cpu string) corev1.ResourceRequirements {
	l := corev1.ResourceList{
		corev1.ResourceMemory: resource.MustParse(memory),
		corev1.ResourceCPU:    resource.MustParse(cpu),
	}
	return corev1.ResourceRequirements{Requests: l, Limits: l}
}

func ptr[T any](v T) *T { return &v }

// waitPodReady waits for a Ready pod matching selector; a container that
// terminates with an error fails at once, with its last log lines.
func waitPodReady(ctx context.Context, t *testing.T, cs *kubernetes.Clientset, ns, selector string) *corev1.Pod {
	t.Helper()
	var ready *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				return false, err
			}
			for i := range pods.Items {
				p := &pods.Items[i]
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						ready = p
						return true, nil
					}
				}
				statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...),
					p.Status.ContainerStatuses...)
				for _, s := range statuses {
					if term := s.State.Terminated; term != nil && term.ExitCode != 0 {
						return false, fmt.Errorf("container %s of %s exited %d (%s): %s", s.Name, p.Name,
							term.ExitCode, term.Reason, podLogs(ctx, cs, ns, p.Name, s.Name))
					}
					if w := s.State.Waiting; w != nil && (w.Reason == "ErrImageNeverPull" || w.Reason == "CrashLoopBackOff" ||
						w.Reason == "CreateContainerError" || w.Reason == "CreateContainerConfigError") {
						return false, fmt.Errorf("container %s of %s: %s: %s", s.Name, p.Name, w.Reason, w.Message)
					}
				}
			}
			return false, nil
		})
	if err != nil {
		t.Fatalf("no Ready pod for %s in %s: %v\nevents:\n%s", selector, ns, err, events(cs, ns))
	}
	return ready
}

func podLogs(ctx context.Context, cs *kubernetes.Clientset, ns, pod, container string) string {
	tail := int64(20)
	b, err := cs.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &tail}).DoRaw(ctx)
	if err != nil {
		return "(logs: " + err.Error() + ")"
	}
	return string(b)
}

func events(cs *kubernetes.Clientset, ns string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "  %s %s/%s: %s\n", e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message)
	}
	return b.String()
}

func waitGone(ctx context.Context, t *testing.T, what string, gone func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 90*time.Second, true, gone); err != nil {
		t.Fatalf("%s still there: %v", what, err)
	}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func httpGet(ctx context.Context, t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return body
}

// deleteNamespace removes the test's namespace (whatever a failed run left in
// it) and waits until it is gone.
func deleteNamespace(t *testing.T, cs *kubernetes.Clientset, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		t.Errorf("delete namespace %s: %v", name, err)
		return
	}
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			_, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), ignoreNotFound(err)
		})
	if err != nil {
		t.Errorf("namespace %s not gone: %v", name, err)
	}
}

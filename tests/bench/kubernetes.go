// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// The Kubernetes arms: the provider with a kubernetes block against
// client-go making the same objects (kubernetes.BuildObjects), in a
// namespace of the session's own that is deleted at the end.
const (
	armKubeRaw      = "k8s-raw"
	armKubeProvider = "k8s-provider"
	backendDocker   = "docker"
	backendKube     = "kubernetes"
)

// Workspace resources of the Kubernetes arms. Requests equal limits on
// Kubernetes, so the tier's 1 CPU would let two pods onto a 2-core node: the
// fleet asks for little, as the stand-in needs little.
const (
	kubeMemoryMB = 64
	kubeCPUs     = 0.02
)

// kubeSession is the cluster side of a session: a clientset (uncounted:
// checks and cleanup only) and the bench namespace.
type kubeSession struct {
	cs            clientset.Interface
	namespace     string
	namespaceMade bool
	// storageClass of both arms' claims; madeClass when the session made it.
	storageClass string
	madeClass    bool
	opts         backend.Options
}

// makeStorageClass copies the cluster's default StorageClass with
// WaitForFirstConsumer binding, for both arms. With Immediate binding (the
// test cluster's default class) the scheduler finds a new pod's claims
// still unbound, parks the pod as unschedulable and may retry it only
// minutes later: create times become a lottery for both arms alike.
func (k *kubeSession) makeStorageClass(ctx context.Context, nonce string) error {
	classes, err := k.cs.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing storage classes: %w", err)
	}
	var def *storagev1.StorageClass
	for i, c := range classes.Items {
		if c.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			def = &classes.Items[i]
		}
	}
	if def == nil {
		return fmt.Errorf("the cluster has no default StorageClass: set BENCH_KUBE_STORAGE_CLASS")
	}
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	labels := workspace.OwnershipLabels("", "storage-class")
	labels[sessionLabel] = nonce
	class := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: k.namespace, Labels: labels},
		Provisioner: def.Provisioner, Parameters: def.Parameters, ReclaimPolicy: def.ReclaimPolicy,
		MountOptions: def.MountOptions, AllowVolumeExpansion: def.AllowVolumeExpansion, VolumeBindingMode: &wait,
	}
	if _, err := k.cs.StorageV1().StorageClasses().Create(ctx, class, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating StorageClass %s: %w", class.Name, err)
	}
	k.storageClass, k.madeClass = class.Name, true
	fmt.Fprintf(os.Stderr, "bench: claims use StorageClass %s (%s, WaitForFirstConsumer)\n", class.Name, def.Provisioner)
	return nil
}

// kubeRESTConfig reads the kubeconfig the bench was given, wrapping the
// transport when wrap is set (to count the raw arm's calls).
func kubeRESTConfig(path string, wrap func(http.RoundTripper) http.RoundTripper) (*rest.Config, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	// Like the provider's client (internal/kubernetes): a fleet at
	// -parallelism=10 must not queue on client-side rate limits.
	rc.QPS, rc.Burst = 50, 100
	rc.Timeout = 60 * time.Second
	if wrap != nil {
		rc.Wrap(wrap)
	}
	return rc, nil
}

func newKubeSession(ctx context.Context, o options, nonce string) (*kubeSession, error) {
	rc, err := kubeRESTConfig(o.kubeconfig, nil)
	if err != nil {
		return nil, err
	}
	cs, err := clientset.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("no Kubernetes API server answers at %s (%v): run scripts/ensure-kubernetes.sh or set BENCH_KUBECONFIG", rc.Host, err)
	}
	k := &kubeSession{cs: cs, namespace: "molecule-bench-" + nonce, storageClass: o.kubeStorageClass}
	k.opts = backend.Options{Namespace: k.namespace, ConfigInitImage: o.configInitImage}
	if err := k.preflight(ctx, o); err != nil {
		return nil, err
	}
	labels := workspace.OwnershipLabels("", backend.RoleNamespace)
	labels[sessionLabel] = nonce
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: k.namespace, Labels: labels}}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("creating bench namespace %s: %w", k.namespace, err)
	}
	k.namespaceMade = true
	if k.storageClass == "" {
		if err := k.makeStorageClass(ctx, nonce); err != nil {
			k.close()
			return nil, err
		}
	}
	k.opts.StorageClass = k.storageClass
	// Pods are refused until the namespace's default service account exists.
	if err := waitFor(ctx, 30*time.Second, func() (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(k.namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, ignoreNotFound(err)
	}); err != nil {
		k.close()
		return nil, fmt.Errorf("namespace %s has no default service account: %w", k.namespace, err)
	}
	return k, nil
}

// preflight refuses, before anything is made, a largest fleet whose pods'
// requests (what BuildObjects asks for, init container included) the
// cluster's nodes cannot schedule.
func (k *kubeSession) preflight(ctx context.Context, o options) error {
	n := maxOr(o.kubeSizes, 0)
	objs, err := backend.BuildObjects(kubeWorkspaceSpec("benchpreflight", o.image), k.opts)
	if err != nil {
		return fmt.Errorf("preflight: building the workspace objects: %w", err)
	}
	perPod := podRequests(objs.Deployment.Spec.Template.Spec)
	nodes, err := k.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("preflight: listing nodes: %w", err)
	}
	var cpuMilli, memBytes, pods int64
	for _, node := range nodes.Items {
		if !nodeReady(node) || node.Spec.Unschedulable {
			continue
		}
		cpuMilli += node.Status.Allocatable.Cpu().MilliValue()
		memBytes += node.Status.Allocatable.Memory().Value()
		pods += node.Status.Allocatable.Pods().Value()
	}
	running, err := k.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "status.phase!=Succeeded,status.phase!=Failed"})
	if err != nil {
		return fmt.Errorf("preflight: listing pods: %w", err)
	}
	for _, p := range running.Items {
		used := podRequests(p.Spec)
		cpuMilli -= used.cpuMilli
		memBytes -= used.memBytes
		pods--
	}
	var short []string
	if need := perPod.cpuMilli * int64(n); need > cpuMilli {
		short = append(short, fmt.Sprintf("N=%d pods request %dm CPU (%dm each: the larger of the init container's and the agent's), the nodes have %dm free", n, need, perPod.cpuMilli, cpuMilli))
	}
	if need := perPod.memBytes * int64(n); need > memBytes {
		short = append(short, fmt.Sprintf("N=%d pods request %d MiB of memory (%d MiB each), the nodes have %d MiB free", n, need>>20, perPod.memBytes>>20, memBytes>>20))
	}
	if int64(n) > pods {
		short = append(short, fmt.Sprintf("N=%d pods, the nodes take %d more", n, pods))
	}
	if len(short) > 0 {
		return fmt.Errorf("preflight: the cluster cannot schedule the Kubernetes arms' largest fleet (lower BENCH_KUBE_N):\n  %s", strings.Join(short, "\n  "))
	}
	fmt.Fprintf(os.Stderr, "bench: Kubernetes preflight ok for N=%d (%dm CPU, %d MiB, %d pods free; %dm and %d MiB per workspace)\n",
		n, cpuMilli, memBytes>>20, pods, perPod.cpuMilli, perPod.memBytes>>20)
	return nil
}

type requests struct{ cpuMilli, memBytes int64 }

// podRequests is what the scheduler reserves for a pod: the larger of its
// largest init container and the sum of its containers.
func podRequests(spec corev1.PodSpec) requests {
	var sum, initMax requests
	for _, c := range spec.Containers {
		sum.cpuMilli += c.Resources.Requests.Cpu().MilliValue()
		sum.memBytes += c.Resources.Requests.Memory().Value()
	}
	for _, c := range spec.InitContainers {
		initMax.cpuMilli = max(initMax.cpuMilli, c.Resources.Requests.Cpu().MilliValue())
		initMax.memBytes = max(initMax.memBytes, c.Resources.Requests.Memory().Value())
	}
	return requests{max(sum.cpuMilli, initMax.cpuMilli), max(sum.memBytes, initMax.memBytes)}
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// kubeWorkspaceSpec is what the provider plans for the Kubernetes arms'
// resource configuration (kubeFleetConfig), for the raw arm.
func kubeWorkspaceSpec(id, image string) workspace.WorkspaceSpec {
	s := workspaceSpec(id, image, "")
	s.MemoryMB, s.CPUs = kubeMemoryMB, kubeCPUs
	s.ImagePull = workspace.PullMissing // the provider's default image_pull
	s.WaitForReady = true
	return s
}

// ownedObject is one object of ours in the bench namespace.
type ownedObject struct {
	kind, name, workspaceID string
}

// owned lists our objects in the namespace whose workspace id matches keep.
func (k *kubeSession) owned(ctx context.Context, keep func(string) bool) ([]ownedObject, error) {
	opts := metav1.ListOptions{LabelSelector: workspace.LabelManaged + "=true"}
	var out []ownedObject
	add := func(kind string, items []metav1.Object) {
		for _, o := range items {
			if id := o.GetLabels()[workspace.LabelWorkspaceID]; keep(id) {
				out = append(out, ownedObject{kind, o.GetName(), id})
			}
		}
	}
	ns := k.namespace
	deps, err := k.cs.AppsV1().Deployments(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	add("Deployment", metas(deps.Items))
	pods, err := k.cs.CoreV1().Pods(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	add("Pod", metas(pods.Items))
	svcs, err := k.cs.CoreV1().Services(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	add("Service", metas(svcs.Items))
	secs, err := k.cs.CoreV1().Secrets(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	add("Secret", metas(secs.Items))
	claims, err := k.cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	add("PersistentVolumeClaim", metas(claims.Items))
	return out, nil
}

// metas turns a list's items into their object metadata.
func metas[T any, P interface {
	*T
	metav1.Object
}](items []T) []metav1.Object {
	out := make([]metav1.Object, len(items))
	for i := range items {
		out[i] = P(&items[i])
	}
	return out
}

// leftovers describes what of a batch still exists ("" when nothing).
func (k *kubeSession) leftovers(ctx context.Context, prefix string) (string, error) {
	objs, err := k.owned(ctx, func(id string) bool { return strings.HasPrefix(id, prefix) })
	if err != nil || len(objs) == 0 {
		return "", err
	}
	count := map[string]int{}
	for _, o := range objs {
		count[o.kind]++
	}
	return fmt.Sprintf("%d object(s) left in namespace %s (%v; e.g. %s %s)", len(objs), k.namespace, count, objs[0].kind, objs[0].name), nil
}

// sweep deletes our objects whose workspace id matches keep.
func (k *kubeSession) sweep(ctx context.Context, keep func(string) bool) error {
	objs, err := k.owned(ctx, keep)
	if err != nil {
		return err
	}
	var errs []error
	ns := k.namespace
	grace := int64(0)
	opts := metav1.DeleteOptions{GracePeriodSeconds: &grace}
	for _, o := range objs {
		var err error
		switch o.kind {
		case "Deployment":
			err = k.cs.AppsV1().Deployments(ns).Delete(ctx, o.name, opts)
		case "Pod":
			err = k.cs.CoreV1().Pods(ns).Delete(ctx, o.name, opts)
		case "Service":
			err = k.cs.CoreV1().Services(ns).Delete(ctx, o.name, opts)
		case "Secret":
			err = k.cs.CoreV1().Secrets(ns).Delete(ctx, o.name, opts)
		case "PersistentVolumeClaim":
			err = k.cs.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, o.name, opts)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	if len(objs) > 0 {
		fmt.Fprintf(os.Stderr, "bench: swept %d Kubernetes object(s)\n", len(objs))
	}
	return errors.Join(errs...)
}

// close deletes the bench namespace, with everything in it, and waits
// until it is gone.
func (k *kubeSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	defer k.removeStorageClass(ctx)
	if !k.namespaceMade {
		return
	}
	err := k.cs.CoreV1().Namespaces().Delete(ctx, k.namespace, metav1.DeleteOptions{})
	if err == nil {
		err = waitFor(ctx, 3*time.Minute, func() (bool, error) {
			_, err := k.cs.CoreV1().Namespaces().Get(ctx, k.namespace, metav1.GetOptions{})
			return apierrors.IsNotFound(err), ignoreNotFound(err)
		})
	}
	if err != nil && !apierrors.IsNotFound(err) {
		fmt.Fprintf(os.Stderr, "bench: removing namespace %s: %v\n", k.namespace, err)
	}
}

// removeStorageClass removes the session's StorageClass, once no volume
// of it is left (the namespace's claims are gone by then).
func (k *kubeSession) removeStorageClass(ctx context.Context) {
	if !k.madeClass {
		return
	}
	err := waitFor(ctx, 2*time.Minute, func() (bool, error) {
		pvs, err := k.cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, pv := range pvs.Items {
			if pv.Spec.StorageClassName == k.storageClass {
				return false, nil
			}
		}
		return true, nil
	})
	if err == nil {
		err = ignoreNotFound(k.cs.StorageV1().StorageClasses().Delete(ctx, k.storageClass, metav1.DeleteOptions{}))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: removing StorageClass %s: %v\n", k.storageClass, err)
	}
}

// checkServing asserts that every workspace has a Ready pod whose agent
// answers on its pod IP (reachable from the host on the test cluster).
func (k *kubeSession) checkServing(ctx context.Context, ids []string, p int) error {
	return parallel(ctx, ids, p, func(ctx context.Context, id string) error {
		pods, err := k.cs.CoreV1().Pods(k.namespace).List(ctx, metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID + "=" + id})
		if err != nil {
			return err
		}
		for _, pod := range pods.Items {
			if podReady(&pod) && pod.Status.PodIP != "" {
				return get(ctx, fmt.Sprintf("http://%s:%d%s", pod.Status.PodIP, workspace.AgentPort, workspace.DefaultReadyPath))
			}
		}
		return fmt.Errorf("no Ready pod (%d pod(s))", len(pods.Items))
	})
}

func podReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitFor polls done with short backoff until it says true, fails or
// budget runs out (session setup and teardown only; the arms use watches).
func waitFor(ctx context.Context, budget time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, time.Second) {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not done within %s", budget)
		case <-time.After(delay):
		}
	}
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func maxOr(xs []int, def int) int {
	m := def
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func (s *session) checkNothingLeftKube(ctx context.Context, prefix string) error {
	left, err := s.kube.leftovers(ctx, prefix)
	if err != nil {
		return err
	}
	if left != "" {
		return fmt.Errorf("after destroy: %s", left)
	}
	return nil
}

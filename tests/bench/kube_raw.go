// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	clientset "k8s.io/client-go/kubernetes"
)

// kubeRawArm makes, with client-go directly, the objects the provider makes
// for a workspace (kubernetes.BuildObjects of the same spec), waits for the
// same condition (its pod Ready) and deletes them as the provider does
// (Deployment, wait until the pod is gone, Service, Secrets, claims, wait
// until the claims are gone). Waits use watches: the cluster's own pace,
// with no polling interval added.
type kubeRawArm struct {
	s       *session
	counter *kubeCounter
	cs      clientset.Interface
	ns      string
}

// kubeWaitBudget bounds one workspace's readiness or removal.
const kubeWaitBudget = 3 * time.Minute

func newKubeRawArm(s *session) *kubeRawArm { return &kubeRawArm{s: s, ns: s.kube.namespace} }

func (r *kubeRawArm) connect() error {
	rc, err := kubeRESTConfig(r.s.opts.kubeconfig, func(next http.RoundTripper) http.RoundTripper {
		r.counter = &kubeCounter{next: next}
		return r.counter
	})
	if err != nil {
		return err
	}
	r.cs, err = clientset.NewForConfig(rc)
	return err
}

func (r *kubeRawArm) run(ctx context.Context, ids []string, m *measurement) error {
	if err := r.connect(); err != nil {
		return err
	}
	p, n := r.s.opts.parallelism, len(ids)
	m.Calls = map[string]callStats{}
	objs := make(map[string]backend.Objects, n)
	for _, id := range ids {
		o, err := backend.BuildObjects(kubeWorkspaceSpec(id, r.s.opts.image), r.s.kube.opts)
		if err != nil {
			return err
		}
		objs[id] = o
	}

	var err error
	m.CreateS, err = timed(func() error {
		return parallel(ctx, ids, p, func(ctx context.Context, id string) error { return r.create(ctx, id, objs[id]) })
	})
	m.Calls["create"] = summarizeKube(r.counter.take(), n, otherStep)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := r.s.kube.checkServing(ctx, ids, p); err != nil {
		return fmt.Errorf("after create: %w", err)
	}

	// The provider's refresh lists the namespace's workspace Deployments,
	// env Secrets and claims once for all workspaces
	// (kubernetes.Cluster.InspectFiles), at once.
	m.PlanSamplesS, err = timedRepeats(r.s.opts.planRepeats, func() error { return r.listForRefresh(ctx, len(ids)) })
	m.Calls["refresh"] = summarizeKube(r.counter.take(), n*len(m.PlanSamplesS), refreshStep)
	if err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]

	m.DestroyS, err = timed(func() error {
		return parallel(ctx, ids, p, func(ctx context.Context, id string) error { return r.destroy(ctx, id, objs[id]) })
	})
	m.Calls["destroy"] = summarizeKube(r.counter.take(), n, otherStep)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return r.s.checkNothingLeftKube(ctx, m.IDPrefix)
}

func (r *kubeRawArm) create(ctx context.Context, id string, o backend.Objects) error {
	core := r.cs.CoreV1()
	for _, sec := range []*corev1.Secret{o.EnvSecret, o.ConfigSecret} {
		if _, err := core.Secrets(r.ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	for _, c := range o.Claims {
		if _, err := core.PersistentVolumeClaims(r.ns).Create(ctx, c, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	if _, err := core.Services(r.ns).Create(ctx, o.Service, metav1.CreateOptions{}); err != nil {
		return err
	}
	if _, err := r.cs.AppsV1().Deployments(r.ns).Create(ctx, o.Deployment, metav1.CreateOptions{}); err != nil {
		return err
	}
	if err := r.waitPodReady(ctx, id); err != nil {
		return err
	}
	// The provider observes what it made once more to record it.
	_, err := r.cs.AppsV1().Deployments(r.ns).Get(ctx, o.Deployment.Name, metav1.GetOptions{})
	return err
}

// listForRefresh makes the refresh's three lists at once and checks that
// every workspace's Deployment and env Secret is in them.
func (r *kubeRawArm) listForRefresh(ctx context.Context, n int) error {
	managed := workspace.LabelManaged + "=true"
	byRole := func(role string) metav1.ListOptions {
		return metav1.ListOptions{LabelSelector: managed + "," + workspace.LabelRole + "=" + role}
	}
	counts := make([]int, 2)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() {
		deps, err := r.cs.AppsV1().Deployments(r.ns).List(ctx, byRole(workspace.RoleContainer))
		if errs[0] = err; err == nil {
			counts[0] = len(deps.Items)
		}
	})
	wg.Go(func() {
		secrets, err := r.cs.CoreV1().Secrets(r.ns).List(ctx, byRole(backend.RoleEnvSecret))
		if errs[1] = err; err == nil {
			counts[1] = len(secrets.Items)
		}
	})
	wg.Go(func() {
		_, errs[2] = r.cs.CoreV1().PersistentVolumeClaims(r.ns).List(ctx, metav1.ListOptions{LabelSelector: managed})
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if counts[0] != n || counts[1] != n {
		return fmt.Errorf("refresh lists hold %d Deployments and %d env Secrets, want %d each", counts[0], counts[1], n)
	}
	return nil
}

func (r *kubeRawArm) destroy(ctx context.Context, id string, o backend.Objects) error {
	background := metav1.DeletePropagationBackground
	del := metav1.DeleteOptions{PropagationPolicy: &background}
	if err := r.cs.AppsV1().Deployments(r.ns).Delete(ctx, o.Deployment.Name, del); err != nil {
		return err
	}
	if err := r.waitGone(ctx, podWatcher{r.cs, r.ns}, metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID + "=" + id}); err != nil {
		return fmt.Errorf("waiting for the pod to go: %w", err)
	}
	core := r.cs.CoreV1()
	if err := core.Services(r.ns).Delete(ctx, o.Service.Name, del); err != nil {
		return err
	}
	for _, sec := range []*corev1.Secret{o.EnvSecret, o.ConfigSecret} {
		if err := core.Secrets(r.ns).Delete(ctx, sec.Name, del); err != nil {
			return err
		}
	}
	for _, c := range o.Claims {
		if err := core.PersistentVolumeClaims(r.ns).Delete(ctx, c.Name, del); err != nil {
			return err
		}
	}
	for _, c := range o.Claims {
		if err := r.waitGone(ctx, claimWatcher{r.cs, r.ns}, metav1.ListOptions{FieldSelector: "metadata.name=" + c.Name}); err != nil {
			return fmt.Errorf("waiting for claim %s to go: %w", c.Name, err)
		}
	}
	return nil
}

// waitPodReady lists the workspace's pods once, then watches them until
// one is Ready.
func (r *kubeRawArm) waitPodReady(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, kubeWaitBudget)
	defer cancel()
	opts := metav1.ListOptions{LabelSelector: workspace.LabelWorkspaceID + "=" + id}
	for {
		list, err := r.cs.CoreV1().Pods(r.ns).List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range list.Items {
			if podReady(&list.Items[i]) {
				return nil
			}
		}
		w, err := r.cs.CoreV1().Pods(r.ns).Watch(ctx, withVersion(opts, list.ResourceVersion))
		if err != nil {
			return err
		}
		ready, err := untilReady(ctx, w)
		w.Stop()
		if ready || err != nil {
			return err
		}
		// The watch ended (server timeout): list again.
	}
}

func untilReady(ctx context.Context, w watch.Interface) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("no Ready pod within %s", kubeWaitBudget)
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			if ev.Type == watch.Error {
				return false, apierrors.FromObject(ev.Object)
			}
			if p, isPod := ev.Object.(*corev1.Pod); isPod && ev.Type != watch.Deleted && podReady(p) {
				return true, nil
			}
		}
	}
}

// lister lists and watches one kind of object by name.
type lister interface {
	names(ctx context.Context, opts metav1.ListOptions) (map[string]bool, string, error)
	watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

type podWatcher struct {
	cs clientset.Interface
	ns string
}

func (p podWatcher) names(ctx context.Context, opts metav1.ListOptions) (map[string]bool, string, error) {
	list, err := p.cs.CoreV1().Pods(p.ns).List(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	names := map[string]bool{}
	for _, o := range list.Items {
		names[o.Name] = true
	}
	return names, list.ResourceVersion, nil
}

func (p podWatcher) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return p.cs.CoreV1().Pods(p.ns).Watch(ctx, opts)
}

type claimWatcher struct {
	cs clientset.Interface
	ns string
}

func (c claimWatcher) names(ctx context.Context, opts metav1.ListOptions) (map[string]bool, string, error) {
	list, err := c.cs.CoreV1().PersistentVolumeClaims(c.ns).List(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	names := map[string]bool{}
	for _, o := range list.Items {
		names[o.Name] = true
	}
	return names, list.ResourceVersion, nil
}

func (c claimWatcher) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return c.cs.CoreV1().PersistentVolumeClaims(c.ns).Watch(ctx, opts)
}

// waitGone lists what matches opts once, then watches until every one of
// them is deleted.
func (r *kubeRawArm) waitGone(ctx context.Context, l lister, opts metav1.ListOptions) error {
	ctx, cancel := context.WithTimeout(ctx, kubeWaitBudget)
	defer cancel()
	for {
		left, rv, err := l.names(ctx, opts)
		if err != nil || len(left) == 0 {
			return err
		}
		w, err := l.watch(ctx, withVersion(opts, rv))
		if err != nil {
			return err
		}
		done, err := untilDeleted(ctx, w, left)
		w.Stop()
		if done || err != nil {
			return err
		}
	}
}

func untilDeleted(ctx context.Context, w watch.Interface, left map[string]bool) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("%d object(s) still there after %s", len(left), kubeWaitBudget)
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			if ev.Type == watch.Error {
				return false, apierrors.FromObject(ev.Object)
			}
			if o, isObj := ev.Object.(metav1.Object); isObj && ev.Type == watch.Deleted {
				delete(left, o.GetName())
				if len(left) == 0 {
					return true, nil
				}
			}
		}
	}
}

func withVersion(opts metav1.ListOptions, rv string) metav1.ListOptions {
	opts.ResourceVersion = rv
	opts.AllowWatchBookmarks = false
	return opts
}

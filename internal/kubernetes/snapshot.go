// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"sync"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A plan refreshes all its workspaces within seconds, each through the same
// three kinds of object: its Deployment, its env Secret and its claims. One
// list of each kind (ours only, by label) serves all of them, so a fleet's
// refresh costs three API calls whatever its size instead of two gets per
// workspace, and no workspace waits on the API server's latency. Each list
// is one consistent read, as fresh as a get made at that moment; the
// snapshot is dropped after this provider changed any workspace.

// snapshotTTL is how long one snapshot serves refreshes.
const snapshotTTL = 10 * time.Second

// namespaceSnapshot is what the refresh reads, by object name.
type namespaceSnapshot struct {
	deployments map[string]*appsv1.Deployment
	envSecrets  map[string]*corev1.Secret
	claims      map[string]bool // our claims not being deleted
	at          time.Time
}

// refreshSnapshot lists the namespace's workspace Deployments, env Secrets
// and claims at once, at most once per snapshotTTL.
func (c *Cluster) refreshSnapshot(ctx context.Context) (*namespaceSnapshot, error) {
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	if c.snap != nil && time.Since(c.snap.at) < snapshotTTL {
		return c.snap, nil
	}
	ns := c.opts.Namespace
	managed := workspace.LabelManaged + "=true"
	byRole := func(role string) metav1.ListOptions {
		return metav1.ListOptions{LabelSelector: managed + "," + workspace.LabelRole + "=" + role}
	}
	snap := &namespaceSnapshot{at: time.Now()}
	var deps *appsv1.DeploymentList
	var secrets *corev1.SecretList
	var claims *corev1.PersistentVolumeClaimList
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() {
		var err error
		if deps, err = c.cs.AppsV1().Deployments(ns).List(ctx, byRole(workspace.RoleContainer)); err != nil {
			errs[0] = c.apiError("listing workspace Deployments in namespace "+ns, err)
		}
	})
	wg.Go(func() {
		var err error
		if secrets, err = c.cs.CoreV1().Secrets(ns).List(ctx, byRole(RoleEnvSecret)); err != nil {
			errs[1] = c.apiError("listing env Secrets in namespace "+ns, err)
		}
	})
	wg.Go(func() {
		var err error
		if claims, err = c.cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: managed}); err != nil {
			errs[2] = c.apiError("listing claims in namespace "+ns, err)
		}
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	snap.deployments = make(map[string]*appsv1.Deployment, len(deps.Items))
	for i := range deps.Items {
		snap.deployments[deps.Items[i].Name] = &deps.Items[i]
	}
	snap.envSecrets = make(map[string]*corev1.Secret, len(secrets.Items))
	for i := range secrets.Items {
		snap.envSecrets[secrets.Items[i].Name] = &secrets.Items[i]
	}
	snap.claims = make(map[string]bool, len(claims.Items))
	for _, cl := range claims.Items {
		if cl.DeletionTimestamp == nil {
			snap.claims[cl.Name] = true
		}
	}
	c.snap = snap
	return snap, nil
}

// forgetSnapshot drops the snapshot after this provider changed a
// workspace.
func (c *Cluster) forgetSnapshot() {
	c.snapMu.Lock()
	c.snap = nil
	c.snapMu.Unlock()
}

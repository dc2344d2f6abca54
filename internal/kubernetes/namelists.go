// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A plan checks, for every workspace it creates, the seven names the
// workspace would take (Deployment, Service, two Secrets, three claims),
// and Terraform plans each create twice (at plan and again at apply). One
// metadata-only list of each of the four kinds in the namespace (every
// object, ours or not: a foreign holder is what the check looks for; names
// and labels only, never a Secret's data) serves every create of a plan, so
// a fleet's plan-time checks cost four API calls per snapshotTTL instead of
// seven gets per workspace per plan. The lists are not dropped when this
// provider makes a workspace: a workspace's own objects never conflict with
// another's plan, and the create checks every name again with a get.

// nameKinds are the kinds of object a workspace's names belong to.
var nameKinds = []struct {
	kind string
	gvr  schema.GroupVersionResource
}{
	{kindDeployment, appsv1.SchemeGroupVersion.WithResource("deployments")},
	{kindService, corev1.SchemeGroupVersion.WithResource("services")},
	{kindSecret, corev1.SchemeGroupVersion.WithResource("secrets")},
	{kindClaim, corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims")},
}

// nameLists are the namespace's object names by kind, with their holders'
// metadata.
type nameLists struct {
	holders map[string]map[string]metav1.Object // kind -> name -> holder
	at      time.Time
}

// listNames lists every name of the four kinds at once, at most once per
// snapshotTTL.
func (c *Cluster) listNames(ctx context.Context) (*nameLists, error) {
	c.namesMu.Lock()
	defer c.namesMu.Unlock()
	if c.namesSnap != nil && time.Since(c.namesSnap.at) < snapshotTTL {
		return c.namesSnap, nil
	}
	ns := c.opts.Namespace
	lists := &nameLists{holders: map[string]map[string]metav1.Object{}, at: time.Now()}
	found := make([]map[string]metav1.Object, len(nameKinds))
	errs := make([]error, len(nameKinds))
	var wg sync.WaitGroup
	for i, k := range nameKinds {
		wg.Go(func() {
			l, err := c.meta.Resource(k.gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				errs[i] = c.apiError("listing "+k.gvr.Resource+" in namespace "+ns, err)
				return
			}
			found[i] = make(map[string]metav1.Object, len(l.Items))
			for j := range l.Items {
				found[i][l.Items[j].Name] = &l.Items[j].ObjectMeta
			}
		})
	}
	wg.Wait()
	for i, k := range nameKinds {
		if errs[i] != nil {
			return nil, errs[i]
		}
		lists.holders[k.kind] = found[i]
	}
	c.namesSnap = lists
	return lists, nil
}

// listedHolders is readHolders from the shared name lists.
func (c *Cluster) listedHolders(ctx context.Context, names []namedObject) ([]metav1.Object, error) {
	lists, err := c.listNames(ctx)
	if err != nil {
		return nil, err
	}
	holders := make([]metav1.Object, len(names))
	for i, n := range names {
		if obj, ok := lists.holders[n.kind][n.name]; ok {
			holders[i] = obj
		}
	}
	return holders, nil
}

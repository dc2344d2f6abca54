// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Delete removes the workspace's Deployment (and ReplicaSets), Service,
// Secrets and claims (unless KeepVolumes) at once, then waits, side by
// side, until its pods are gone and its claims too (a claim in use goes
// when its pod has). Every object is looked at first and removed only when
// it carries our labels for this workspace id; objects already gone count
// as removed.
func (c *Cluster) Delete(ctx context.Context, r workspace.Removal, progress workspace.Progress) error {
	id := r.WorkspaceID
	name := workspace.ContainerName(id)
	progress = serialized(progress) // the waits report from goroutines
	defer c.forgetSnapshot()
	objs := []struct{ kind, name string }{{kindDeployment, name}, {kindService, name}, {kindSecret, EnvSecretName(id)}, {kindSecret, ConfigSecretName(id)}}
	if !r.KeepVolumes {
		for _, claim := range []string{r.ConfigVolume, r.WorkspaceVolume, r.SessionsVolume} {
			if claim != "" {
				objs = append(objs, struct{ kind, name string }{kindClaim, claim})
			}
		}
	}
	steps := []func() error{func() error {
		// ReplicaSets left by a Deployment deleted outside Terraform with
		// orphan propagation would keep the pod (and its claims) alive:
		// they carry the pod template's labels, ours, and go the same way.
		background := metav1.DeletePropagationBackground
		err := c.cs.AppsV1().ReplicaSets(c.opts.Namespace).DeleteCollection(ctx,
			metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{LabelSelector: selectorString(id)})
		if err != nil && !apierrors.IsNotFound(err) {
			return c.apiError("deleting the ReplicaSets of "+name, err)
		}
		return nil
	}}
	for _, o := range objs {
		steps = append(steps, func() error { return c.deleteOwned(ctx, o.kind, o.name, id) })
	}
	if err := inParallel(steps); err != nil {
		return err // the next destroy tries again
	}
	var claims []string
	for _, o := range objs {
		if o.kind == kindClaim {
			claims = append(claims, o.name)
		}
	}
	// As on Docker, a destroy is done when the pod and the storage are: a
	// claim goes once its protection finalizer sees no pod using it.
	var podsErr, claimsErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if podsErr = c.waitPodsGone(ctx, id, stopTimeout); podsErr == nil {
			emit(ctx, progress, "deployment removed", map[string]any{"deployment": name})
		}
	})
	wg.Go(func() {
		if claimsErr = c.waitClaimsGone(ctx, id, claims); claimsErr == nil {
			for _, claim := range claims {
				emit(ctx, progress, "volume removed", map[string]any{"claim": claim})
			}
		}
	})
	wg.Wait()
	return errors.Join(podsErr, claimsErr)
}

// waitClaimsGone waits until the deleted claims of a workspace have left
// the API: one list of the workspace's claims, then their watch.
func (c *Cluster) waitClaimsGone(ctx context.Context, workspaceID string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, stopTimeout)
	defer cancel()
	claims := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace)
	opts := metav1.ListOptions{LabelSelector: workspace.LabelManaged + "=true," + workspace.LabelWorkspaceID + "=" + workspaceID}
	waited := map[string]bool{}
	for _, n := range names {
		waited[n] = true
	}
	left := map[string]bool{}
	err := follow(ctx, follower{
		read: func(ctx context.Context) ([]string, error) {
			list, err := claims.List(ctx, opts)
			if err != nil {
				return nil, c.apiError("listing the claims of "+workspace.ContainerName(workspaceID), err)
			}
			clear(left)
			for _, cl := range list.Items {
				if waited[cl.Name] {
					left[cl.Name] = true
				}
			}
			return []string{list.ResourceVersion}, nil
		},
		opens: []func(context.Context, string) (watch.Interface, error){func(ctx context.Context, rv string) (watch.Interface, error) {
			o := opts
			o.ResourceVersion = rv
			return claims.Watch(ctx, o)
		}},
		apply: func(ev watch.Event) {
			if cl, ok := ev.Object.(metav1.Object); ok && waited[cl.GetName()] {
				if ev.Type == watch.Deleted {
					delete(left, cl.GetName())
				} else {
					left[cl.GetName()] = true
				}
			}
		},
		judge:      func() (bool, error) { return len(left) == 0, nil },
		retryReads: true,
	})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		var still []string
		for n := range left {
			still = append(still, n)
		}
		sort.Strings(still)
		return fmt.Errorf("PersistentVolumeClaim %s in namespace %s is still there %s after its deletion (is a pod outside this workspace using it?)", strings.Join(still, ", "), c.opts.Namespace, stopTimeout)
	}
	return fmt.Errorf("waiting for the claims of %s to go: %w", workspace.ContainerName(workspaceID), err)
}

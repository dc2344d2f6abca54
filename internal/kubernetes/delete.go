// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Delete removes the workspace's Deployment and waits until its pod is
// gone (the claims are free then), then its Service and Secrets, then its
// claims unless KeepVolumes. Every object is looked at first and removed
// only when it carries our labels for this workspace id; objects already
// gone count as removed.
func (c *Cluster) Delete(ctx context.Context, r workspace.Removal, progress workspace.Progress) error {
	id := r.WorkspaceID
	name := workspace.ContainerName(id)
	defer c.forgetClaims()
	if err := c.deleteOwned(ctx, kindDeployment, name, id); err != nil {
		return err
	}
	// ReplicaSets left by a Deployment deleted outside Terraform with
	// orphan propagation would keep the pod (and its claims) alive: they
	// carry the pod template's labels, ours, and go the same way.
	background := metav1.DeletePropagationBackground
	if err := c.cs.AppsV1().ReplicaSets(c.opts.Namespace).DeleteCollection(ctx,
		metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{LabelSelector: selectorString(id)}); err != nil && !apierrors.IsNotFound(err) {
		return c.apiError("deleting the ReplicaSets of "+name, err)
	}
	if err := c.waitPodsGone(ctx, id, stopTimeout); err != nil {
		return err
	}
	emit(ctx, progress, "deployment removed", map[string]any{"deployment": name})
	var errs []error
	for _, o := range []struct{ kind, name string }{
		{kindService, name}, {kindSecret, EnvSecretName(id)}, {kindSecret, ConfigSecretName(id)},
	} {
		if err := c.deleteOwned(ctx, o.kind, o.name, id); err != nil {
			errs = append(errs, err)
		}
	}
	if r.KeepVolumes {
		return errors.Join(errs...)
	}
	var deleted []string
	for _, claim := range []string{r.ConfigVolume, r.WorkspaceVolume, r.SessionsVolume} {
		if claim == "" {
			continue
		}
		if err := c.deleteOwned(ctx, kindClaim, claim, id); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, claim)
	}
	// A claim goes once its protection finalizer sees no pod using it; as
	// on Docker, a destroy is done when the storage is.
	for _, claim := range deleted {
		if err := c.waitClaimGone(ctx, claim); err != nil {
			errs = append(errs, err)
			continue
		}
		emit(ctx, progress, "volume removed", map[string]any{"claim": claim})
	}
	return errors.Join(errs...)
}

// waitClaimGone waits until a deleted claim has left the API.
func (c *Cluster) waitClaimGone(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, stopTimeout)
	defer cancel()
	claims := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace)
	nudge, watching := nudges(ctx, func(ctx context.Context) (watch.Interface, error) {
		return claims.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	})
	delay := 100 * time.Millisecond
	for {
		_, err := claims.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if !pause(ctx, delay, nudge) {
			return fmt.Errorf("PersistentVolumeClaim %s in namespace %s is still there %s after its deletion (is a pod outside this workspace using it?)", name, c.opts.Namespace, stopTimeout)
		}
		delay = min(delay*3/2, maxPollDelay(watching))
	}
}

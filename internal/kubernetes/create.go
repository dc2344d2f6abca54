// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// cleanupTimeout bounds the removal of a half-made workspace, which runs on
// a fresh context so that an interrupted apply still cleans up.
const cleanupTimeout = 60 * time.Second

// Create makes the workspace's Secrets, claims, Service and Deployment (the
// namespace too, when absent) and, when asked, waits until its pod is
// Ready. The config files are in the /configs claim before the agent starts:
// the init container writes them. A failure before the Deployment exists
// removes everything this call made. A failure while waiting returns the
// observation alongside the error, with the Deployment scaled to 0 when the
// pod crashed, so the caller records it (tainted).
func (c *Cluster) Create(ctx context.Context, s workspace.WorkspaceSpec, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	if err := ValidateWorkspaceID(s.WorkspaceID); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	objs, err := BuildObjects(s, c.opts)
	if err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	if err := c.ensureNamespace(ctx); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	undo := &undoStack{}
	fail := func(err error) (workspace.ObservedWorkspace, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if cerr := undo.run(cctx); cerr != nil {
			return partialObservation(s), fmt.Errorf("%w; cleaning up also failed, so the workspace is kept in state for the next apply to replace: %v", err, cerr)
		}
		return workspace.ObservedWorkspace{}, err
	}
	if err := c.checkNamesFree(ctx, s.WorkspaceID); err != nil {
		return fail(err)
	}
	ns := c.opts.Namespace
	core := c.cs.CoreV1()
	defer c.forgetClaims()
	for _, sec := range []*corev1.Secret{objs.EnvSecret, objs.ConfigSecret} {
		if err := c.putSecret(ctx, sec, s.WorkspaceID, undo); err != nil {
			return fail(err)
		}
	}
	emit(ctx, progress, "secrets written", map[string]any{"env": objs.EnvSecret.Name, "config": objs.ConfigSecret.Name})
	for _, claim := range objs.Claims {
		_, err := core.PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) && c.claimTerminating(ctx, claim.Name) {
			// Deleted but held until the last pod using it went (a claim
			// deleted outside Terraform, the workspace being replaced).
			if err = c.waitClaimGone(ctx, claim.Name); err == nil {
				_, err = core.PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{})
			}
		}
		switch {
		case err == nil:
			name := claim.Name
			undo.push(func(ctx context.Context) error { return c.deleteOwned(ctx, kindClaim, name, s.WorkspaceID) })
			emit(ctx, progress, "volume ready", map[string]any{"claim": name, "created": true})
		case apierrors.IsAlreadyExists(err):
			// Ours for this id (checkNamesFree refused anything else): a
			// claim kept by keep_volumes, reused as Docker reuses a volume.
			emit(ctx, progress, "volume ready", map[string]any{"claim": claim.Name, "created": false})
		default:
			return fail(c.apiError("creating PersistentVolumeClaim "+claim.Name, err))
		}
	}
	if _, err := core.Services(ns).Create(ctx, objs.Service, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fail(c.apiError("creating Service "+objs.Service.Name, err))
	} else if err == nil {
		undo.push(func(ctx context.Context) error {
			return c.deleteOwned(ctx, kindService, objs.Service.Name, s.WorkspaceID)
		})
	}
	dep, err := c.cs.AppsV1().Deployments(ns).Create(ctx, objs.Deployment, metav1.CreateOptions{})
	if err != nil {
		// No answer may still mean it was made: remove it if it is there.
		undo.push(func(ctx context.Context) error {
			return c.deleteOwned(ctx, kindDeployment, objs.Deployment.Name, s.WorkspaceID)
		})
		return fail(c.apiError("creating Deployment "+objs.Deployment.Name, err))
	}
	emit(ctx, progress, "deployment created", map[string]any{"deployment": dep.Name, "replicas": *dep.Spec.Replicas})
	// From here the workspace is recorded even if it never becomes ready.
	if !s.Running || !s.WaitForReady {
		return c.inspectAfter(ctx, s)
	}
	if err := c.waitReady(ctx, s, nil, progress); err != nil {
		obs, ierr := c.inspectAfter(context.WithoutCancel(ctx), s)
		if ierr != nil {
			obs = partialObservation(s)
		}
		return obs, err
	}
	return c.inspectAfter(ctx, s)
}

// inspectAfter observes a workspace just made or changed; one that cannot
// be seen is recorded as partial, so it is never orphaned.
func (c *Cluster) inspectAfter(ctx context.Context, s workspace.WorkspaceSpec) (workspace.ObservedWorkspace, error) {
	obs, err := c.Inspect(ctx, s.WorkspaceID, true)
	if err != nil || !obs.Exists {
		if err == nil {
			err = fmt.Errorf("the Deployment %s vanished from namespace %s right after it was made", s.ContainerName(), c.opts.Namespace)
		}
		return partialObservation(s), err
	}
	return obs, nil
}

// claimTerminating reports whether a claim is on its way out.
func (c *Cluster) claimTerminating(ctx context.Context, name string) bool {
	cl, err := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace).Get(ctx, name, metav1.GetOptions{})
	return err == nil && cl.DeletionTimestamp != nil
}

// putSecret creates a Secret, or updates one of ours for the same id that
// an interrupted apply left.
func (c *Cluster) putSecret(ctx context.Context, sec *corev1.Secret, workspaceID string, undo *undoStack) error {
	secrets := c.cs.CoreV1().Secrets(c.opts.Namespace)
	_, err := secrets.Create(ctx, sec, metav1.CreateOptions{})
	if err == nil {
		undo.push(func(ctx context.Context) error { return c.deleteOwned(ctx, kindSecret, sec.Name, workspaceID) })
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return c.apiError("creating Secret "+sec.Name, err)
	}
	have, err := secrets.Get(ctx, sec.Name, metav1.GetOptions{})
	if err != nil {
		return c.apiError("reading Secret "+sec.Name, err)
	}
	if !workspace.IsOwned(have.Labels, workspaceID) {
		return fmt.Errorf("the Secret %s in namespace %s is not managed by this provider: refusing to change it", sec.Name, c.opts.Namespace)
	}
	have.Data, have.StringData = sec.Data, nil
	if _, err := secrets.Update(ctx, have, metav1.UpdateOptions{}); err != nil {
		return c.apiError("updating Secret "+sec.Name, err)
	}
	return nil
}

// partialObservation records a workspace whose objects may exist but could
// not be seen or removed: Status unknown, so the next apply replaces it and
// destroy removes it (see the Docker backend's).
func partialObservation(s workspace.WorkspaceSpec) workspace.ObservedWorkspace {
	o := workspace.Missing(s.WorkspaceID)
	o.Exists, o.Status = true, workspace.StatusUnknown
	o.ConfigVolume, o.WorkspaceVolume, o.SessionsVolume = s.ConfigVolume(), s.WorkspaceVolume(), s.SessionsVolume()
	return o
}

// Object kinds deleteOwned knows.
const (
	kindDeployment = "Deployment"
	kindService    = "Service"
	kindSecret     = "Secret"
	kindClaim      = "PersistentVolumeClaim"
)

// deleteOwned deletes one object when it carries our labels for
// workspaceID, with its UID as a precondition (so an object replaced
// meanwhile by someone else's is never removed). Absent counts as deleted.
func (c *Cluster) deleteOwned(ctx context.Context, kind, name, workspaceID string) error {
	ns := c.opts.Namespace
	var obj metav1.Object
	var err error
	var del func(context.Context, string, metav1.DeleteOptions) error
	switch kind {
	case kindDeployment:
		obj, err = c.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		del = c.cs.AppsV1().Deployments(ns).Delete
	case kindService:
		obj, err = c.cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		del = c.cs.CoreV1().Services(ns).Delete
	case kindSecret:
		obj, err = c.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		del = c.cs.CoreV1().Secrets(ns).Delete
	case kindClaim:
		obj, err = c.cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		del = c.cs.CoreV1().PersistentVolumeClaims(ns).Delete
	default:
		return fmt.Errorf("deleteOwned: unknown kind %s", kind)
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return c.apiError(fmt.Sprintf("reading %s %s", kind, name), err)
	}
	if !workspace.IsOwned(obj.GetLabels(), workspaceID) {
		return nil // not ours: never touched
	}
	uid := obj.GetUID()
	background := metav1.DeletePropagationBackground
	err = del(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &background})
	if err != nil && !apierrors.IsNotFound(err) {
		return c.apiError(fmt.Sprintf("deleting %s %s", kind, name), err)
	}
	return nil
}

// undoStack runs cleanup steps in reverse order.
type undoStack struct{ steps []func(context.Context) error }

func (u *undoStack) push(step func(context.Context) error) { u.steps = append(u.steps, step) }

func (u *undoStack) run(ctx context.Context) error {
	var errs []error
	for i := len(u.steps) - 1; i >= 0; i-- {
		if err := u.steps[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// emit passes a milestone to progress, when there is one.
func emit(ctx context.Context, progress workspace.Progress, msg string, fields map[string]any) {
	if progress != nil {
		progress(ctx, msg, fields)
	}
}

// podUIDs are restart counts seen before a change, by pod.
type podBaseline map[types.UID]int32

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	progress = serialized(progress) // the claims report from goroutines
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
	defer c.forgetSnapshot()
	// The Secrets, claims and Service do not depend on one another: made
	// at once. The Deployment comes last, so its pod finds them.
	var env *corev1.Secret
	steps := []func() error{
		func() (err error) { env, err = c.putSecret(ctx, objs.EnvSecret, s.WorkspaceID, undo); return err },
		func() error { _, err := c.putSecret(ctx, objs.ConfigSecret, s.WorkspaceID, undo); return err },
		func() error { return c.createService(ctx, objs.Service, s.WorkspaceID, undo) },
	}
	for _, claim := range objs.Claims {
		steps = append(steps, func() error { return c.createClaim(ctx, claim, s.WorkspaceID, undo, progress) })
	}
	if err := inParallel(steps); err != nil {
		return fail(err)
	}
	emit(ctx, progress, "secrets written", map[string]any{"env": objs.EnvSecret.Name, "config": objs.ConfigSecret.Name})
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
	if s.Running && s.WaitForReady {
		ready, err := c.waitReady(ctx, s, nil, progress)
		if err != nil {
			obs, ierr := c.inspectAfter(context.WithoutCancel(ctx), s)
			if ierr != nil {
				obs = partialObservation(s)
			}
			return obs, err
		}
		dep = ready
	}
	// What was just written and watched is what a read would return.
	obs := observe(dep, env, s.WorkspaceID)
	if s.Running && s.WaitForReady {
		// Its pod is Ready: the Deployment's status may not say so yet.
		obs.Status, obs.Running = workspace.StatusRunning, true
	}
	return obs, nil
}

// createClaim creates one claim; one of ours being deleted (a claim
// deleted outside Terraform, the workspace being replaced) is waited out
// first, and one of ours kept by keep_volumes is reused as Docker reuses a
// volume (checkNamesFree refused anything else).
func (c *Cluster) createClaim(ctx context.Context, claim *corev1.PersistentVolumeClaim, workspaceID string, undo *undoStack, progress workspace.Progress) error {
	claims := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace)
	_, err := claims.Create(ctx, claim, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) && c.claimTerminating(ctx, claim.Name) {
		if err = c.waitClaimsGone(ctx, workspaceID, []string{claim.Name}); err == nil {
			_, err = claims.Create(ctx, claim, metav1.CreateOptions{})
		}
	}
	switch {
	case err == nil:
		undo.push(func(ctx context.Context) error { return c.deleteOwned(ctx, kindClaim, claim.Name, workspaceID) })
		emit(ctx, progress, "volume ready", map[string]any{"claim": claim.Name, "created": true})
	case apierrors.IsAlreadyExists(err):
		emit(ctx, progress, "volume ready", map[string]any{"claim": claim.Name, "created": false})
	default:
		return c.apiError("creating PersistentVolumeClaim "+claim.Name, err)
	}
	return nil
}

// createService creates the workspace's Service; one of ours for the same
// id (an interrupted apply's) is kept.
func (c *Cluster) createService(ctx context.Context, svc *corev1.Service, workspaceID string, undo *undoStack) error {
	_, err := c.cs.CoreV1().Services(c.opts.Namespace).Create(ctx, svc, metav1.CreateOptions{})
	switch {
	case err == nil:
		undo.push(func(ctx context.Context) error { return c.deleteOwned(ctx, kindService, svc.Name, workspaceID) })
	case !apierrors.IsAlreadyExists(err):
		return c.apiError("creating Service "+svc.Name, err)
	}
	return nil
}

// inParallel runs steps at once and joins their errors.
func inParallel(steps []func() error) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { errs[i] = step() })
	}
	wg.Wait()
	return errors.Join(errs...)
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
// an interrupted apply left, and returns it as the API server stored it.
func (c *Cluster) putSecret(ctx context.Context, sec *corev1.Secret, workspaceID string, undo *undoStack) (*corev1.Secret, error) {
	secrets := c.cs.CoreV1().Secrets(c.opts.Namespace)
	made, err := secrets.Create(ctx, sec, metav1.CreateOptions{})
	if err == nil {
		undo.push(func(ctx context.Context) error { return c.deleteOwned(ctx, kindSecret, sec.Name, workspaceID) })
		return made, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, c.apiError("creating Secret "+sec.Name, err)
	}
	have, err := secrets.Get(ctx, sec.Name, metav1.GetOptions{})
	if err != nil {
		return nil, c.apiError("reading Secret "+sec.Name, err)
	}
	if !workspace.IsOwned(have.Labels, workspaceID) {
		return nil, fmt.Errorf("the Secret %s in namespace %s is not managed by this provider: refusing to change it", sec.Name, c.opts.Namespace)
	}
	have.Data, have.StringData = sec.Data, nil
	updated, err := secrets.Update(ctx, have, metav1.UpdateOptions{})
	if err != nil {
		return nil, c.apiError("updating Secret "+sec.Name, err)
	}
	return updated, nil
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

// undoStack runs cleanup steps in reverse order; steps may be pushed from
// several goroutines.
type undoStack struct {
	mu    sync.Mutex
	steps []func(context.Context) error
}

func (u *undoStack) push(step func(context.Context) error) {
	u.mu.Lock()
	u.steps = append(u.steps, step)
	u.mu.Unlock()
}

func (u *undoStack) run(ctx context.Context) error {
	var errs []error
	for i := len(u.steps) - 1; i >= 0; i-- {
		if err := u.steps[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// serialized wraps progress so that goroutines of one call may emit at
// once: the provider's logger (tflog) is not safe for concurrent use.
func serialized(progress workspace.Progress) workspace.Progress {
	if progress == nil {
		return nil
	}
	var mu sync.Mutex
	return func(ctx context.Context, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		progress(ctx, msg, fields)
	}
}

// emit passes a milestone to progress, when there is one.
func emit(ctx context.Context, progress workspace.Progress, msg string, fields map[string]any) {
	if progress != nil {
		progress(ctx, msg, fields)
	}
}

// podUIDs are restart counts seen before a change, by pod.
type podBaseline map[types.UID]int32

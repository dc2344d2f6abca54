// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namedObject is one name a workspace takes, with how to read its holder.
type namedObject struct {
	kind, name string
	get        func(context.Context, string) (metav1.Object, error)
}

// names lists every object name a spec's workspace takes (claims for all
// three roles: one held by someone else blocks whichever the spec uses).
func (c *Cluster) names(workspaceID string) []namedObject {
	ns := c.opts.Namespace
	core, apps := c.cs.CoreV1(), c.cs.AppsV1()
	getOpts := metav1.GetOptions{}
	deployment := func(ctx context.Context, n string) (metav1.Object, error) {
		return apps.Deployments(ns).Get(ctx, n, getOpts)
	}
	service := func(ctx context.Context, n string) (metav1.Object, error) {
		return core.Services(ns).Get(ctx, n, getOpts)
	}
	secret := func(ctx context.Context, n string) (metav1.Object, error) {
		return core.Secrets(ns).Get(ctx, n, getOpts)
	}
	claim := func(ctx context.Context, n string) (metav1.Object, error) {
		return core.PersistentVolumeClaims(ns).Get(ctx, n, getOpts)
	}
	return []namedObject{
		{kindDeployment, workspace.ContainerName(workspaceID), deployment},
		{kindService, workspace.ContainerName(workspaceID), service},
		{kindSecret, EnvSecretName(workspaceID), secret},
		{kindSecret, ConfigSecretName(workspaceID), secret},
		{kindClaim, workspace.ConfigVolumeName(workspaceID), claim},
		{kindClaim, workspace.WorkspaceVolumeName(workspaceID), claim},
		{kindClaim, workspace.SessionsVolumeName(workspaceID), claim},
	}
}

// NameConflict reports whether a name the workspace would take is held by
// an object that is not this workspace's, and whether that holder is ours
// (another workspace id with the same prefix). The message is "" when every
// name is free or held by ours for the same id. Nothing is changed. It is
// the plan's check: with a metadata client it reads the holders from the
// namespace's name lists shared by the whole plan (see nameLists), else it
// reads each name; the create itself checks again, name by name.
func (c *Cluster) NameConflict(ctx context.Context, workspaceID string) (msg string, ownedByUs bool, err error) {
	names := c.names(workspaceID)
	var holders []metav1.Object
	if c.meta != nil {
		holders, err = c.listedHolders(ctx, names)
	} else {
		holders, err = c.readHolders(ctx, names)
	}
	if err != nil {
		return "", false, err
	}
	_, msg, ownedByUs = c.judgeHolders(names, holders, workspaceID)
	return msg, ownedByUs, nil
}

// readHolders reads every name at once: the holder of each, nil when free.
func (c *Cluster) readHolders(ctx context.Context, names []namedObject) ([]metav1.Object, error) {
	holders := make([]metav1.Object, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			obj, err := n.get(ctx, n.name)
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				errs[i] = c.apiError(fmt.Sprintf("reading %s %s", n.kind, n.name), err)
			default:
				holders[i] = obj
			}
		})
	}
	wg.Wait()
	return holders, errors.Join(errs...)
}

// judgeHolders judges the holders as NameConflict says; it also returns the
// workspace's own Deployment when one holds its name.
func (c *Cluster) judgeHolders(names []namedObject, holders []metav1.Object, workspaceID string) (own metav1.Object, msg string, ownedByUs bool) {
	for i, n := range names {
		obj := holders[i]
		if obj == nil {
			continue
		}
		labels := obj.GetLabels()
		if workspace.IsOwned(labels, workspaceID) {
			if n.kind == kindDeployment {
				own = obj
			}
			continue
		}
		if workspace.IsOwned(labels, "") {
			return nil, fmt.Sprintf("%s %s in namespace %s already belongs to workspace %q, whose id shares the first %d characters with %q: object names come from that prefix, so give the workspace an id with a different prefix",
				n.kind, n.name, c.opts.Namespace, labels[workspace.LabelWorkspaceID], workspace.ShortIDLength, workspaceID), true
		}
		return nil, fmt.Sprintf("%s %s in namespace %s is not managed by this provider (it lacks the %s label), and the workspace needs its name: remove or rename it yourself, use another namespace, or give the workspace another id; the provider never touches objects it does not own",
			n.kind, n.name, c.opts.Namespace, workspace.LabelManaged), false
	}
	return own, "", false
}

// checkNamesFree fails when any name is taken, by a foreign object or by
// an object of ours for the same id (another state's, or left by an
// interrupted apply: import adopts it).
func (c *Cluster) checkNamesFree(ctx context.Context, workspaceID string) error {
	names := c.names(workspaceID)
	holders, err := c.readHolders(ctx, names)
	if err != nil {
		return err
	}
	dep, msg, _ := c.judgeHolders(names, holders, workspaceID)
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	if dep != nil {
		return fmt.Errorf("the Deployment %s of workspace %q already exists in namespace %s on %s: it is managed by another Terraform state or was left by an interrupted apply; adopt it with terraform import, or delete it and apply again",
			dep.GetName(), workspaceID, c.opts.Namespace, c.host)
	}
	return nil
}

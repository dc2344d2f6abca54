// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"fmt"

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
		{"Deployment", workspace.ContainerName(workspaceID), deployment},
		{"Service", workspace.ContainerName(workspaceID), service},
		{"Secret", EnvSecretName(workspaceID), secret},
		{"Secret", ConfigSecretName(workspaceID), secret},
		{"PersistentVolumeClaim", workspace.ConfigVolumeName(workspaceID), claim},
		{"PersistentVolumeClaim", workspace.WorkspaceVolumeName(workspaceID), claim},
		{"PersistentVolumeClaim", workspace.SessionsVolumeName(workspaceID), claim},
	}
}

// NameConflict reports whether a name the workspace would take is held by
// an object that is not this workspace's, and whether that holder is ours
// (another workspace id with the same prefix). The message is "" when every
// name is free or held by ours for the same id. Nothing is changed.
func (c *Cluster) NameConflict(ctx context.Context, workspaceID string) (msg string, ownedByUs bool, err error) {
	for _, n := range c.names(workspaceID) {
		obj, err := n.get(ctx, n.name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", false, c.apiError(fmt.Sprintf("reading %s %s", n.kind, n.name), err)
		}
		labels := obj.GetLabels()
		if workspace.IsOwned(labels, workspaceID) {
			continue
		}
		if workspace.IsOwned(labels, "") {
			return fmt.Sprintf("%s %s in namespace %s already belongs to workspace %q, whose id shares the first %d characters with %q: object names come from that prefix, so give the workspace an id with a different prefix",
				n.kind, n.name, c.opts.Namespace, labels[workspace.LabelWorkspaceID], workspace.ShortIDLength, workspaceID), true, nil
		}
		return fmt.Sprintf("%s %s in namespace %s is not managed by this provider (it lacks the %s label), and the workspace needs its name: remove or rename it yourself, use another namespace, or give the workspace another id; the provider never touches objects it does not own",
			n.kind, n.name, c.opts.Namespace, workspace.LabelManaged), false, nil
	}
	return "", false, nil
}

// checkNamesFree fails when any name is taken, by a foreign object or by
// an object of ours for the same id (another state's, or left by an
// interrupted apply: import adopts it).
func (c *Cluster) checkNamesFree(ctx context.Context, workspaceID string) error {
	msg, _, err := c.NameConflict(ctx, workspaceID)
	if err != nil {
		return err
	}
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	dep, err := c.getDeployment(ctx, workspaceID)
	if err != nil {
		return err
	}
	if dep != nil {
		return fmt.Errorf("the Deployment %s of workspace %q already exists in namespace %s on %s: it is managed by another Terraform state or was left by an interrupted apply; adopt it with terraform import, or delete it and apply again",
			dep.Name, workspaceID, c.opts.Namespace, c.host)
	}
	return nil
}

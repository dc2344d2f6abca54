// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"sort"
	"strconv"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// List returns the workspaces in the namespace that match f, sorted by
// workspace id, with one Deployment list call whatever the fleet's size:
// runtime, tier and user labels are label selectors; the status is read off
// each Deployment of that one answer. Like the Docker backend's, the
// observations carry no env (that is in each workspace's Secret).
func (c *Cluster) List(ctx context.Context, f workspace.ListFilter) ([]workspace.ObservedWorkspace, error) {
	sel := labels.Set{workspace.LabelManaged: "true", workspace.LabelRole: workspace.RoleContainer}
	if f.Runtime != "" {
		sel[workspace.LabelRuntime] = f.Runtime
	}
	if f.Tier != 0 {
		sel[workspace.LabelTier] = strconv.Itoa(f.Tier)
	}
	for k, v := range f.Labels {
		if workspace.IsReservedLabel(k) {
			continue // never matches a user label; our own keep their meaning
		}
		sel[k] = v
	}
	list, err := c.cs.AppsV1().Deployments(c.opts.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, c.apiError("listing workspace Deployments in namespace "+c.opts.Namespace, err)
	}
	out := make([]workspace.ObservedWorkspace, 0, len(list.Items))
	for i := range list.Items {
		o := observe(&list.Items[i], nil, "")
		if f.Status != "" && o.Status != f.Status {
			continue
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkspaceID < out[j].WorkspaceID })
	return out, nil
}

// DetachedVolumes lists the claims carrying our labels whose workspace has
// no Deployment (left by keep_volumes, or by a Deployment deleted outside
// Terraform): one claim list and one Deployment list.
func (c *Cluster) DetachedVolumes(ctx context.Context) ([]workspace.DetachedVolume, error) {
	owned := metav1.ListOptions{LabelSelector: workspace.LabelManaged + "=true"}
	claims, err := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace).List(ctx, owned)
	if err != nil {
		return nil, c.apiError("listing claims in namespace "+c.opts.Namespace, err)
	}
	deps, err := c.cs.AppsV1().Deployments(c.opts.Namespace).List(ctx, owned)
	if err != nil {
		return nil, c.apiError("listing Deployments in namespace "+c.opts.Namespace, err)
	}
	used := map[string]bool{}
	for _, d := range deps.Items {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				used[v.PersistentVolumeClaim.ClaimName] = true
			}
		}
	}
	var out []workspace.DetachedVolume
	for _, cl := range claims.Items {
		if used[cl.Name] {
			continue
		}
		out = append(out, workspace.DetachedVolume{Name: cl.Name, WorkspaceID: cl.Labels[workspace.LabelWorkspaceID], Role: cl.Labels[workspace.LabelRole]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Inspect observes one workspace with two API calls, whatever withFiles
// says: a get of its Deployment and one of its env Secret. The files'
// hashes are those the config Secret put in /configs, recorded on the
// Deployment; what the runtime writes there itself is not read (that would
// take a pod exec, and an agent image has no shell). A missing Deployment,
// or one that is not ours, is not an error: Status is "missing".
func (c *Cluster) Inspect(ctx context.Context, workspaceID string, _ bool) (workspace.ObservedWorkspace, error) {
	dep, err := c.getDeployment(ctx, workspaceID)
	if err != nil || dep == nil {
		return missing(workspaceID), err
	}
	env, err := c.cs.CoreV1().Secrets(c.opts.Namespace).Get(ctx, EnvSecretName(workspaceID), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		env = nil
	case err != nil:
		return workspace.ObservedWorkspace{}, c.apiError("reading Secret "+EnvSecretName(workspaceID), err)
	}
	return observe(dep, env, workspaceID), nil
}

// InspectFiles is the refresh: what Inspect observes (the hashes come
// with it, so no config stamp is needed) plus whether the workspace's
// claims still exist, all read from one snapshot of the namespace shared
// by every workspace refreshed within snapshotTTL. A claim deleted (or
// being deleted) behind Terraform's back reads as no volume, which the plan
// shows as a replacement.
func (c *Cluster) InspectFiles(ctx context.Context, workspaceID string, _ []string, _ string) (workspace.ObservedWorkspace, error) {
	snap, err := c.refreshSnapshot(ctx)
	if err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	dep := snap.deployments[workspace.ContainerName(workspaceID)]
	if dep == nil || !workspace.IsOwned(dep.Labels, workspaceID) {
		return missing(workspaceID), nil
	}
	obs := observe(dep, snap.envSecrets[EnvSecretName(workspaceID)], workspaceID)
	for _, v := range []*string{&obs.ConfigVolume, &obs.WorkspaceVolume, &obs.SessionsVolume} {
		if *v != "" && !snap.claims[*v] {
			*v = ""
		}
	}
	return obs, nil
}

// getDeployment returns the workspace's Deployment when it is ours, nil
// when it is absent or someone else's.
func (c *Cluster) getDeployment(ctx context.Context, workspaceID string) (*appsv1.Deployment, error) {
	name := workspace.ContainerName(workspaceID)
	dep, err := c.cs.AppsV1().Deployments(c.opts.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.apiError("reading Deployment "+name, err)
	}
	if !workspace.IsOwned(dep.Labels, workspaceID) {
		return nil, nil
	}
	return dep, nil
}

// ReadConfigFiles returns the config files of the workspace whose
// Deployment has UID containerID (ObservedWorkspace.ContainerID), as
// config_files holds them, for import: read from its config Secret, which
// is what the init container writes into /configs (a pod's files are out
// of reach without a shell in the image). One Deployment list finds the
// workspace; import is rare.
func (c *Cluster) ReadConfigFiles(ctx context.Context, containerID string) (map[string]string, error) {
	list, err := c.cs.AppsV1().Deployments(c.opts.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: workspace.LabelManaged + "=true," + workspace.LabelRole + "=" + workspace.RoleContainer})
	if err != nil {
		return nil, c.apiError("listing workspace Deployments in namespace "+c.opts.Namespace, err)
	}
	for _, d := range list.Items {
		if string(d.UID) == containerID {
			return c.readConfigFiles(ctx, d.Labels[workspace.LabelWorkspaceID])
		}
	}
	return map[string]string{}, nil
}

// readConfigFiles reads a workspace's config Secret (see ReadConfigFiles).
func (c *Cluster) readConfigFiles(ctx context.Context, workspaceID string) (map[string]string, error) {
	name := ConfigSecretName(workspaceID)
	sec, err := c.cs.CoreV1().Secrets(c.opts.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, c.apiError("reading Secret "+name, err)
	}
	if !workspace.IsOwned(sec.Labels, workspaceID) {
		return map[string]string{}, nil
	}
	return configFilesFromSecret(sec.Data)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// stopTimeout bounds the wait for a pod to go after a scale to 0 or a
// delete: its grace period and then some.
const stopTimeout = 2 * time.Minute

// Update changes a workspace in place through its Deployment: limits in the
// pod template (Kubernetes rolls the pod: with Recreate it stops, then
// starts with the new limits and the same claims), config files by
// rewriting the config Secret (the template's config digest changes, so the
// pod rolls and the init container writes the files before the agent
// starts), and running by scaling between 1 and 0. Anything else needs
// replacement, which the resource layer plans.
func (c *Cluster) Update(ctx context.Context, s workspace.WorkspaceSpec, ch workspace.Changes, progress workspace.Progress) (workspace.ObservedWorkspace, error) {
	defer c.forgetSnapshot()
	name := s.ContainerName()
	dep, err := c.getDeployment(ctx, s.WorkspaceID)
	if err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	if dep == nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("the Deployment %s in namespace %s on %s is missing or not managed by this provider for workspace %q; refusing to change it", name, c.opts.Namespace, c.host, s.WorkspaceID)
	}
	objs, err := BuildObjects(s, c.opts)
	if err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	wasRunning := dep.Spec.Replicas == nil || *dep.Spec.Replicas > 0
	var baseline podBaseline
	if s.Running && s.WaitForReady {
		if baseline, err = c.restartBaseline(ctx, s.WorkspaceID); err != nil {
			return workspace.ObservedWorkspace{}, err
		}
	}
	if ch.Files {
		if _, err := c.putSecret(ctx, objs.ConfigSecret, s.WorkspaceID, &undoStack{}); err != nil {
			return workspace.ObservedWorkspace{}, err
		}
		emit(ctx, progress, "config files rewritten", map[string]any{"secret": objs.ConfigSecret.Name})
	}
	replicas := *objs.Deployment.Spec.Replicas
	changed := false
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := c.cs.AppsV1().Deployments(c.opts.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		changed = applyChanges(cur, objs.Deployment, ch, replicas)
		if !changed {
			return nil
		}
		_, err = c.cs.AppsV1().Deployments(c.opts.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return workspace.ObservedWorkspace{}, c.apiError("updating Deployment "+name, err)
	}
	if changed {
		emit(ctx, progress, "deployment updated", map[string]any{"deployment": name, "limits": ch.Limits, "files": ch.Files, "replicas": replicas})
	}
	switch {
	case s.Running && s.WaitForReady && (changed || !wasRunning):
		if _, err := c.waitReady(ctx, s, baseline, progress); err != nil {
			obs, ierr := c.inspectAfter(context.WithoutCancel(ctx), s)
			if ierr != nil {
				obs = partialObservation(s)
			}
			return obs, err
		}
	case !s.Running && wasRunning:
		if err := c.waitPodsGone(ctx, s.WorkspaceID, stopTimeout); err != nil {
			return workspace.ObservedWorkspace{}, err
		}
		emit(ctx, progress, "workspace stopped", map[string]any{"deployment": name})
	}
	return c.inspectAfter(ctx, s)
}

// applyChanges lays the wanted Deployment's parts named by ch, and the
// replicas, over cur; it reports whether anything differs.
func applyChanges(cur, want *appsv1.Deployment, ch workspace.Changes, replicas int32) bool {
	changed := false
	if cur.Spec.Replicas == nil || *cur.Spec.Replicas != replicas {
		cur.Spec.Replicas = &replicas
		changed = true
	}
	if ch.Limits {
		if c, w := agentOfPtr(&cur.Spec.Template.Spec), agentOf(want.Spec.Template.Spec); c != nil && w != nil && !sameResources(c.Resources, w.Resources) {
			c.Resources = w.Resources
			changed = true
		}
	}
	if ch.Files {
		if cur.Spec.Template.Annotations == nil {
			cur.Spec.Template.Annotations = map[string]string{}
		}
		wantDigest := want.Spec.Template.Annotations[AnnotationConfigDigest]
		if cur.Spec.Template.Annotations[AnnotationConfigDigest] != wantDigest {
			cur.Spec.Template.Annotations[AnnotationConfigDigest] = wantDigest
			changed = true
		}
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		for _, k := range []string{AnnotationConfigHashes, workspace.LabelPlatformTokenVersion} {
			if cur.Annotations[k] != want.Annotations[k] {
				setOrDelete(cur.Annotations, k, want.Annotations[k])
				changed = true
			}
		}
	}
	return changed
}

func agentOfPtr(pod *corev1.PodSpec) *corev1.Container {
	for i := range pod.Containers {
		if pod.Containers[i].Name == agentContainer {
			return &pod.Containers[i]
		}
	}
	return nil
}

func sameResources(a, b corev1.ResourceRequirements) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func setOrDelete(m map[string]string, k, v string) {
	if v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func podWith(init, agent corev1.ContainerStatus) *corev1.Pod {
	p := &corev1.Pod{}
	p.UID = "pod-1"
	p.Spec.InitContainers = []corev1.Container{{Name: configInitContainer, ImagePullPolicy: corev1.PullIfNotPresent}}
	p.Spec.Containers = []corev1.Container{{Name: agentContainer, ImagePullPolicy: corev1.PullNever}}
	init.Name, agent.Name = configInitContainer, agentContainer
	p.Status.InitContainerStatuses = []corev1.ContainerStatus{init}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{agent}
	return p
}

var initDone = corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}

func TestPodFailure(t *testing.T) {
	running := corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	oomRestarted := corev1.ContainerStatus{RestartCount: 1,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}
	exited := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}}
	neverPull := corev1.ContainerStatus{Image: "absent:tag", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "not present"}}}
	initFailed := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}

	if f := podFailure(podWith(initDone, running), nil); f != nil {
		t.Errorf("a running pod failed: %+v", f)
	}
	if f := podFailure(podWith(initDone, oomRestarted), nil); f == nil || !f.oomKilled || f.exitCode != 137 || !f.previous || f.restarts != 1 {
		t.Errorf("OOM-killed and restarted: %+v", f)
	}
	restartedUnknown := corev1.ContainerStatus{RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	if f := podFailure(podWith(initDone, restartedUnknown), nil); f == nil || f.exitCode != workspace.ExitCodeUnknown {
		t.Errorf("restarted without a recorded exit: %+v, want exit code unknown", f)
	}
	if f := podFailure(podWith(initDone, exited), nil); f == nil || f.exitCode != 3 || f.previous {
		t.Errorf("exited 3: %+v", f)
	}
	if f := podFailure(podWith(initDone, neverPull), nil); f == nil || f.image == nil || !strings.Contains(f.image.Error(), `"absent:tag"`) ||
		f.image.Policy != corev1.PullNever {
		t.Errorf("image never pulled: %+v", f)
	}
	if f := podFailure(podWith(initFailed, corev1.ContainerStatus{}), nil); f == nil || f.container != configInitContainer {
		t.Errorf("init container failed: %+v", f)
	}
	// A pod from before an update that has not restarted since is not
	// judged: its old restarts are history.
	if f := podFailure(podWith(initDone, oomRestarted), podBaseline{"pod-1": 1}); f != nil {
		t.Errorf("an old restart counted: %+v", f)
	}
	if f := podFailure(podWith(initDone, oomRestarted), podBaseline{"pod-1": 0}); f == nil {
		t.Error("a restart since the baseline was not counted")
	}
}

func TestRolledOut(t *testing.T) {
	d := &appsv1.Deployment{}
	d.Generation = 2
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1}
	if rolledOut(d) {
		t.Error("the controller has not seen the new template yet, but the rollout counts as done")
	}
	d.Status.ObservedGeneration = 2
	if !rolledOut(d) {
		t.Error("a Ready pod of the current template does not count")
	}
	d.Status.Replicas = 2 // the old pod still there
	if rolledOut(d) {
		t.Error("a rollout with an old pod left counts as done")
	}
}

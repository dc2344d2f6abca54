// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// crashLogLines is how much of a crashed container's log an error carries.
const crashLogLines = 20

// imageErrors are the waiting reasons of a container whose image the node
// cannot get.
var imageErrors = map[string]bool{
	"ErrImageNeverPull": true, "ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
}

// ImageError is an image the cluster's node cannot run: absent with
// image_pull = "never", or a pull that failed.
type ImageError struct {
	Container string // agent or config-init
	Image     string
	Reason    string
	Message   string
	Policy    corev1.PullPolicy
}

func (e *ImageError) Error() string {
	if e.Reason == "ErrImageNeverPull" {
		what := "image %q is not present on the cluster's node and the pull policy is Never (image_pull = \"never\"): load it onto the nodes, or push it to a registry the cluster can pull from and set image_pull = \"missing\""
		if e.Container == configInitContainer {
			what = "the config init image %q is not present on the cluster's node: load it onto the nodes (scripts/build-config-init-image.sh builds it), or set config_init_image in the provider's kubernetes block to a mirror the cluster can pull from"
		}
		return fmt.Sprintf(what, e.Image)
	}
	return fmt.Sprintf("the cluster cannot get image %q for container %s (%s): %s", e.Image, e.Container, e.Reason, e.Message)
}

// waitReady waits until the Deployment's current pod template has a Ready
// pod (the kubelet's readiness probe on ready_path answered) and returns
// the Deployment as last seen. A new Deployment (baseline nil) has one
// template, so its first Ready pod ends the wait, as the kubelet reports
// it, without waiting for the controllers to copy that into the
// Deployment's status; after an update the Deployment's status says which
// pods run the new template (see rolledOut). A pod whose init or agent container exits,
// restarts beyond baseline, is OOM-killed or cannot get its image fails at
// once: its last log lines are read, the Deployment is scaled to 0 (so the
// controller does not loop) and a *workspace.CrashError or *ImageError is
// returned. Running out of ReadyTimeout gives a *workspace.NotReadyError.
// It reads the Deployment and pods once and then judges the objects the
// watches on them deliver (see follow).
func (c *Cluster) waitReady(ctx context.Context, s workspace.WorkspaceSpec, baseline podBaseline, progress workspace.Progress) (*appsv1.Deployment, error) {
	start := time.Now()
	if s.ReadyTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.ReadyTimeout)
		defer cancel()
	}
	name := s.ContainerName()
	w := &readyWatch{baseline: baseline}
	lastLog := time.Now()
	var verdict error // judge's: a crash, or the Deployment gone
	err := follow(ctx, follower{
		read: func(ctx context.Context) ([]string, error) {
			dep, pods, err := c.deploymentAndPods(ctx, s.WorkspaceID)
			if err != nil {
				return nil, err
			}
			w.reset(dep, pods.Items)
			rv := ""
			if dep != nil {
				rv = dep.ResourceVersion
			}
			return []string{rv, pods.ResourceVersion}, nil
		},
		opens: []func(context.Context, string) (watch.Interface, error){c.watchDeployment(s.WorkspaceID), c.watchPods(s.WorkspaceID)},
		apply: w.apply,
		judge: func() (bool, error) {
			switch {
			case w.dep == nil:
				verdict = fmt.Errorf("the Deployment %s was deleted from namespace %s while waiting for it", name, c.opts.Namespace)
				return true, verdict
			case w.failed != nil:
				verdict = c.crash(s, w.failed, w.failure, start)
				return true, verdict
			}
			if (baseline == nil && w.readyPod()) || rolledOut(w.dep) {
				return true, nil
			}
			if time.Since(lastLog) > 5*time.Second {
				emit(ctx, progress, "waiting for workspace to serve", map[string]any{"deployment": name, "elapsed": time.Since(start).Round(time.Millisecond).String()})
				lastLog = time.Now()
			}
			return false, nil
		},
	})
	switch {
	case verdict != nil:
		return nil, verdict
	case err != nil && ctx.Err() != nil:
		return nil, c.notReady(s, w.newestPod(), start)
	case err != nil:
		return nil, fmt.Errorf("waiting for %s: %w", name, err)
	}
	emit(ctx, progress, "workspace ready", map[string]any{"deployment": name, "elapsed": time.Since(start).String()})
	return w.dep, nil
}

// readyWatch is waitReady's picture of a workspace: its Deployment (nil
// once deleted or not ours), its live pods, and the first failing pod.
type readyWatch struct {
	baseline podBaseline
	dep      *appsv1.Deployment
	pods     map[types.UID]*corev1.Pod
	failed   *corev1.Pod
	failure  *failure
}

func (w *readyWatch) reset(dep *appsv1.Deployment, pods []corev1.Pod) {
	w.dep, w.pods = dep, map[types.UID]*corev1.Pod{}
	for i := range pods {
		w.setPod(&pods[i])
	}
}

// apply folds a watch event on the Deployment or a pod into the picture.
func (w *readyWatch) apply(ev watch.Event) {
	switch o := ev.Object.(type) {
	case *appsv1.Deployment:
		if ev.Type == watch.Deleted {
			w.dep = nil
		} else if w.dep == nil || w.dep.UID == o.UID {
			w.dep = o
		}
	case *corev1.Pod:
		if ev.Type == watch.Deleted {
			delete(w.pods, o.UID)
		} else {
			w.setPod(o)
		}
	}
}

func (w *readyWatch) setPod(p *corev1.Pod) {
	if p.DeletionTimestamp != nil {
		delete(w.pods, p.UID)
		return
	}
	w.pods[p.UID] = p
	if w.failed == nil {
		if f := podFailure(p, w.baseline); f != nil {
			w.failed, w.failure = p, f
		}
	}
}

// readyPod reports whether a live pod made since the Deployment is Ready
// (one an orphaned ReplicaSet kept from before does not count).
func (w *readyWatch) readyPod() bool {
	for _, p := range w.pods {
		if podReady(p) && !p.CreationTimestamp.Before(&w.dep.CreationTimestamp) {
			return true
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// newestPod is the latest-made live pod, the one a timeout describes.
func (w *readyWatch) newestPod() *corev1.Pod {
	var newest *corev1.Pod
	for _, p := range w.pods {
		if newest == nil || newest.CreationTimestamp.Before(&p.CreationTimestamp) {
			newest = p
		}
	}
	return newest
}

// rolledOut: the controller has seen the latest template, every pod runs
// it and one is Ready.
func rolledOut(dep *appsv1.Deployment) bool {
	st := dep.Status
	return st.ObservedGeneration >= dep.Generation && st.UpdatedReplicas >= 1 && st.ReadyReplicas >= 1 &&
		st.Replicas == st.UpdatedReplicas
}

// deploymentAndPods reads the workspace's Deployment (nil when absent or
// not ours) and lists its pods.
func (c *Cluster) deploymentAndPods(ctx context.Context, workspaceID string) (*appsv1.Deployment, *corev1.PodList, error) {
	dep, err := c.getDeployment(ctx, workspaceID)
	if err != nil || dep == nil {
		return dep, &corev1.PodList{}, err
	}
	pods, err := c.podList(ctx, workspaceID)
	return dep, pods, err
}

// podList lists a workspace's pods (ours by their labels).
func (c *Cluster) podList(ctx context.Context, workspaceID string) (*corev1.PodList, error) {
	list, err := c.cs.CoreV1().Pods(c.opts.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selectorString(workspaceID)})
	if err != nil {
		return nil, c.apiError("listing the pods of "+workspace.ContainerName(workspaceID), err)
	}
	return list, nil
}

// pods lists a workspace's pods, newest first.
func (c *Cluster) pods(ctx context.Context, workspaceID string) ([]corev1.Pod, error) {
	list, err := c.podList(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool {
		return list.Items[j].CreationTimestamp.Before(&list.Items[i].CreationTimestamp)
	})
	return list.Items, nil
}

// restartBaseline records the restart counts of a workspace's current pods,
// so that a wait after a change only counts restarts from now.
func (c *Cluster) restartBaseline(ctx context.Context, workspaceID string) (podBaseline, error) {
	pods, err := c.pods(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	b := podBaseline{}
	for _, p := range pods {
		b[p.UID] = restarts(&p)
	}
	return b, nil
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		n += cs.RestartCount
	}
	return n
}

// failure is what podFailure found.
type failure struct {
	container string
	status    string // exited, restarting
	exitCode  int
	oomKilled bool
	restarts  int
	previous  bool // the logs that matter are the previous run's
	image     *ImageError
	message   string // a create error other than the image's
}

// podFailure says why a pod will not serve, or nil while it may still.
func podFailure(p *corev1.Pod, baseline podBaseline) *failure {
	before, known := baseline[p.UID]
	if known && restarts(p) <= before {
		// A pod from before the change that has not restarted since: not
		// the one that decides this wait (the rollout replaces it).
		return nil
	}
	check := func(cs corev1.ContainerStatus, spec []corev1.Container, isInit bool) *failure {
		f := &failure{container: cs.Name, restarts: int(cs.RestartCount)}
		if w := cs.State.Waiting; w != nil {
			if imageErrors[w.Reason] {
				f.image = &ImageError{Container: cs.Name, Image: cs.Image, Reason: w.Reason, Message: w.Message, Policy: pullPolicyOf(spec, cs.Name)}
				return f
			}
			if w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError" || w.Reason == "RunContainerError" {
				f.message = fmt.Sprintf("container %s of pod %s cannot start (%s): %s", cs.Name, p.Name, w.Reason, w.Message)
				return f
			}
		}
		if t := cs.State.Terminated; t != nil && (t.ExitCode != 0 || !isInit) {
			f.status, f.exitCode, f.oomKilled = workspace.StatusExited, int(t.ExitCode), t.Reason == "OOMKilled"
			return f
		}
		if cs.RestartCount > 0 {
			// The kubelet keeps the failed run's exit; without it the code
			// is unknown, never the new run's.
			f.status, f.previous, f.exitCode = workspace.StatusRestarting, true, workspace.ExitCodeUnknown
			if t := cs.LastTerminationState.Terminated; t != nil {
				f.exitCode, f.oomKilled = int(t.ExitCode), t.Reason == "OOMKilled"
			}
			return f
		}
		return nil
	}
	for _, cs := range p.Status.InitContainerStatuses {
		if f := check(cs, p.Spec.InitContainers, true); f != nil {
			return f
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if f := check(cs, p.Spec.Containers, false); f != nil {
			return f
		}
	}
	if p.Status.Phase == corev1.PodFailed {
		return &failure{container: agentContainer, status: workspace.StatusExited, message: fmt.Sprintf("pod %s failed: %s %s", p.Name, p.Status.Reason, p.Status.Message)}
	}
	return nil
}

func pullPolicyOf(spec []corev1.Container, name string) corev1.PullPolicy {
	for _, c := range spec {
		if c.Name == name {
			return c.ImagePullPolicy
		}
	}
	return ""
}

// crash reads the failed container's last log lines, scales the Deployment
// to 0 so the controller stops restarting it, and describes the failure.
func (c *Cluster) crash(s workspace.WorkspaceSpec, p *corev1.Pod, f *failure, start time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	after := time.Since(start)
	var logs []string
	if f.image == nil && f.message == "" {
		// Read before scaling down: the logs go with the pod.
		logs = c.tailLogs(ctx, p.Name, f.container, f.previous)
	}
	scaleErr := c.scale(ctx, s.WorkspaceID, 0)
	var err error
	switch {
	case f.image != nil:
		err = f.image
	case f.message != "":
		err = errors.New(f.message)
	default:
		name := s.ContainerName()
		if f.container != agentContainer {
			name += " (init container " + f.container + ")"
		}
		err = &workspace.CrashError{Container: name, Status: f.status, ExitCode: f.exitCode, OOMKilled: f.oomKilled,
			RestartCount: f.restarts, After: after, Logs: logs}
	}
	if scaleErr != nil {
		err = fmt.Errorf("%w\nScaling Deployment %s to 0 also failed, so Kubernetes keeps restarting it: %v", err, s.ContainerName(), scaleErr)
	}
	return err
}

// notReady describes a pod that kept running (or kept waiting) without
// becoming Ready, with the kubelet's last word on it.
func (c *Cluster) notReady(s workspace.WorkspaceSpec, p *corev1.Pod, start time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	readyPath := s.ReadyPath
	if readyPath == "" {
		readyPath = workspace.DefaultReadyPath
	}
	e := &workspace.NotReadyError{Container: s.ContainerName(), After: time.Since(start), URL: fmt.Sprintf("port %d%s (readiness probe)", workspace.AgentPort, readyPath)}
	if p == nil {
		e.LastErr = errors.New("no pod was created: see the Deployment's events (kubectl describe deployment)")
		return e
	}
	if p.Status.PodIP != "" {
		e.URL = fmt.Sprintf("http://%s:%d%s", p.Status.PodIP, workspace.AgentPort, readyPath)
	}
	e.LastErr = errors.New(c.podState(ctx, p))
	if p.Status.Phase == corev1.PodRunning {
		e.Logs = c.tailLogs(ctx, p.Name, agentContainer, false)
	}
	return e
}

// podState summarises why a pod is not Ready: its phase, unmet conditions
// and its newest warning event (a failed probe reads "HTTP probe failed
// with statuscode: 404").
func (c *Cluster) podState(ctx context.Context, p *corev1.Pod) string {
	parts := []string{"pod " + p.Name + " " + string(p.Status.Phase)}
	for _, cond := range p.Status.Conditions {
		if cond.Status != corev1.ConditionTrue && cond.Message != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", cond.Type, cond.Message))
		}
	}
	events, err := c.cs.CoreV1().Events(c.opts.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + p.Name + ",type=Warning"})
	if err == nil && len(events.Items) > 0 {
		sort.Slice(events.Items, func(i, j int) bool {
			return eventTime(events.Items[i]).Before(eventTime(events.Items[j]))
		})
		last := events.Items[len(events.Items)-1]
		parts = append(parts, fmt.Sprintf("%s: %s", last.Reason, strings.TrimSpace(last.Message)))
	}
	return strings.Join(parts, "; ")
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

// tailLogs returns a container's last log lines (of its previous run when
// previous), read through the API server.
func (c *Cluster) tailLogs(ctx context.Context, pod, container string, previous bool) []string {
	tail := int64(crashLogLines)
	raw, err := c.cs.CoreV1().Pods(c.opts.Namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container: container, TailLines: &tail, Previous: previous}).DoRaw(ctx)
	if err != nil && previous {
		raw, err = c.cs.CoreV1().Pods(c.opts.Namespace).GetLogs(pod, &corev1.PodLogOptions{
			Container: container, TailLines: &tail}).DoRaw(ctx)
	}
	if err != nil {
		return []string{"(logs unavailable: " + err.Error() + ")"}
	}
	var lines []string
	for _, l := range bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n")) {
		if len(l) > 0 {
			lines = append(lines, string(l))
		}
	}
	if len(lines) > crashLogLines {
		lines = lines[len(lines)-crashLogLines:]
	}
	return lines
}

// scale sets the Deployment's replicas (0 or 1) with a merge patch.
func (c *Cluster) scale(ctx context.Context, workspaceID string, replicas int32) error {
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	name := workspace.ContainerName(workspaceID)
	if _, err := c.cs.AppsV1().Deployments(c.opts.Namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return c.apiError(fmt.Sprintf("scaling Deployment %s to %d", name, replicas), err)
	}
	return nil
}

// waitPodsGone waits until no pod of the workspace is left (after a scale
// to 0 or a delete), bounded by timeout: one list, then the pods' watch.
func (c *Cluster) waitPodsGone(ctx context.Context, workspaceID string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	left := map[types.UID]string{}
	err := follow(ctx, follower{
		read: func(ctx context.Context) ([]string, error) {
			list, err := c.podList(ctx, workspaceID)
			if err != nil {
				return nil, err
			}
			clear(left)
			for _, p := range list.Items {
				left[p.UID] = p.Name
			}
			return []string{list.ResourceVersion}, nil
		},
		opens: []func(context.Context, string) (watch.Interface, error){c.watchPods(workspaceID)},
		apply: func(ev watch.Event) {
			if p, ok := ev.Object.(*corev1.Pod); ok {
				if ev.Type == watch.Deleted {
					delete(left, p.UID)
				} else {
					left[p.UID] = p.Name
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
		for _, name := range left {
			err = fmt.Errorf("pod %s still there after %s", name, timeout)
			break
		}
	}
	return fmt.Errorf("waiting for the pods of %s to go: %w", workspace.ContainerName(workspaceID), err)
}

// watchPods opens a watch on the workspace's pods.
func (c *Cluster) watchPods(workspaceID string) func(context.Context, string) (watch.Interface, error) {
	return func(ctx context.Context, rv string) (watch.Interface, error) {
		return c.cs.CoreV1().Pods(c.opts.Namespace).Watch(ctx, metav1.ListOptions{LabelSelector: selectorString(workspaceID), ResourceVersion: rv})
	}
}

// watchDeployment opens a watch on the workspace's Deployment.
func (c *Cluster) watchDeployment(workspaceID string) func(context.Context, string) (watch.Interface, error) {
	return func(ctx context.Context, rv string) (watch.Interface, error) {
		return c.cs.AppsV1().Deployments(c.opts.Namespace).Watch(ctx, metav1.ListOptions{
			FieldSelector: "metadata.name=" + workspace.ContainerName(workspaceID), ResourceVersion: rv})
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// PodNetwork is what the network attribute reads on Kubernetes for a pod on
// the cluster's pod network (tier 4 reads workspace.HostNetworkName).
const PodNetwork = "pod"

// observe maps a workspace's Deployment and env Secret (nil when missing)
// to an observation. It sees what the two objects say, never a pod: a pod
// deleted and recreated by the controller changes nothing here, and a
// refresh costs two API calls. Status, with no container to ask:
//   - StatusExited when scaled to 0 (running = false),
//   - StatusRunning when its pod is Ready,
//   - StatusCreated while the pod is starting, or failing to (the apply
//     that made it reports why; `kubectl describe pod` too).
func observe(dep *appsv1.Deployment, env *corev1.Secret, workspaceID string) workspace.ObservedWorkspace {
	o := workspace.ObservedWorkspace{
		Exists:        true,
		Owned:         workspace.IsOwned(dep.Labels, workspaceID),
		ContainerID:   string(dep.UID),
		ContainerName: dep.Name,
		WorkspaceID:   dep.Labels[workspace.LabelWorkspaceID],
		Name:          dep.Annotations[workspace.LabelName],
		Runtime:       dep.Labels[workspace.LabelRuntime],
		Labels:        pick(dep.Labels, dep.Annotations[workspace.LabelLabelKeys]),
		Env:           map[string]string{},
	}
	o.Tier, _ = strconv.Atoi(dep.Labels[workspace.LabelTier])
	o.SecretEnvVersion = dep.Annotations[workspace.LabelSecretEnvVersion]
	o.PlatformTokenVersion = dep.Annotations[workspace.LabelPlatformTokenVersion]
	if raw := dep.Annotations[AnnotationConfigHashes]; raw != "" {
		var hashes map[string]string
		if json.Unmarshal([]byte(raw), &hashes) == nil {
			o.ConfigHashes = hashes
		}
	}
	wanted := int32(1)
	if dep.Spec.Replicas != nil {
		wanted = *dep.Spec.Replicas
	}
	switch {
	case wanted == 0:
		o.Status = workspace.StatusExited
	case dep.Status.ReadyReplicas > 0:
		o.Status, o.Running = workspace.StatusRunning, true
	default:
		o.Status = workspace.StatusCreated
	}
	pod := dep.Spec.Template.Spec
	if c := agentOf(pod); c != nil {
		o.Image = c.Image
		if m := c.Resources.Limits.Memory(); m != nil {
			o.MemoryMB = m.Value() / (1024 * 1024)
		}
		if cpu := c.Resources.Limits.Cpu(); cpu != nil {
			o.CPUs = float64(cpu.MilliValue()) / 1000
		}
	}
	readVolumes(&o, pod)
	o.Isolation = describeIsolation(pod)
	o.Network = PodNetwork
	if pod.HostNetwork {
		o.Network = workspace.HostNetworkName
	}
	if env != nil && workspace.IsOwned(env.Labels, workspaceID) {
		for k, v := range env.Data {
			o.Env[k] = string(v)
		}
	}
	o.UserEnv = pick(o.Env, dep.Annotations[workspace.LabelEnvKeys])
	return o
}

// agentOf is the pod's agent container.
func agentOf(pod corev1.PodSpec) *corev1.Container {
	for i := range pod.Containers {
		if pod.Containers[i].Name == agentContainer {
			return &pod.Containers[i]
		}
	}
	return nil
}

// readVolumes records the claims mounted at /configs, /workspace and the
// sessions path.
func readVolumes(o *workspace.ObservedWorkspace, pod corev1.PodSpec) {
	claims := map[string]string{}
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	c := agentOf(pod)
	if c == nil {
		return
	}
	for _, m := range c.VolumeMounts {
		claim, ok := claims[m.Name]
		if !ok {
			continue
		}
		switch m.MountPath {
		case "/configs":
			o.ConfigVolume = claim
		case "/workspace":
			o.WorkspaceVolume = claim
		case workspace.ClaudeSessionsPath:
			o.SessionsVolume = claim
		}
	}
}

// Isolation summarises the pod settings that decide a workspace's isolation,
// in the Docker backend's format (privileged=... pid=... network=...
// readonly_rootfs=... tmpfs=...), so a plan diff reads the same on both.
func Isolation(s workspace.WorkspaceSpec, o Options) string {
	return describeIsolation(buildPodSpec(s, o, buildClaims(s, o)))
}

func describeIsolation(pod corev1.PodSpec) string {
	privileged, readOnly := false, false
	var caps []string
	c := agentOf(pod)
	if c != nil && c.SecurityContext != nil {
		sc := c.SecurityContext
		privileged = sc.Privileged != nil && *sc.Privileged
		readOnly = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		if sc.Capabilities != nil {
			for _, a := range sc.Capabilities.Add {
				caps = append(caps, string(a))
			}
		}
	}
	pid, network := "private", PodNetwork
	if pod.HostPID {
		pid = "host"
	}
	if pod.HostNetwork {
		network = workspace.HostNetworkName
	}
	parts := []string{
		"privileged=" + strconv.FormatBool(privileged),
		"pid=" + pid,
		"network=" + network,
		"readonly_rootfs=" + strconv.FormatBool(readOnly),
	}
	var tmpfs []string
	if c != nil {
		memory := map[string]string{}
		for _, v := range pod.Volumes {
			if v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory {
				size := ""
				if v.EmptyDir.SizeLimit != nil {
					size = ",size=" + v.EmptyDir.SizeLimit.String()
				}
				memory[v.Name] = "memory" + size
			}
		}
		for _, m := range c.VolumeMounts {
			if opts, ok := memory[m.Name]; ok {
				tmpfs = append(tmpfs, m.MountPath+":"+opts)
			}
		}
	}
	sort.Strings(tmpfs)
	if len(tmpfs) > 0 {
		parts = append(parts, "tmpfs="+strings.Join(tmpfs, ","))
	}
	// Privileges the provider never sets: they appear only when added
	// outside Terraform, and replace the workspace.
	if len(caps) > 0 {
		parts = append(parts, "cap_add="+strings.Join(slices.Sorted(slices.Values(caps)), ","))
	}
	if pod.HostIPC {
		parts = append(parts, "ipc=host")
	}
	return strings.Join(parts, " ")
}

// pick returns the entries of all whose keys are in the comma-separated list.
func pick(all map[string]string, keys string) map[string]string {
	out := map[string]string{}
	for _, k := range strings.Split(keys, ",") {
		if v, ok := all[k]; ok && k != "" {
			out[k] = v
		}
	}
	return out
}

// missing is the observation of a workspace without a Deployment of ours.
func missing(workspaceID string) workspace.ObservedWorkspace {
	return workspace.Missing(workspaceID)
}

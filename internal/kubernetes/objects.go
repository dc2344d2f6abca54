// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Design (one place, read by the docs guide):
//   - The workload is a Deployment with the Recreate strategy and 1 replica
//     (0 when running = false): the old pod is gone before the new one
//     starts, so the ReadWriteOnce claims are never wanted by two pods, and
//     the controller restarts a pod that dies or is deleted. A StatefulSet
//     would add ordered identity we do not need.
//   - A Service of the same name gives the stable in-cluster address
//     (InternalURL).
//   - Env lives in a Secret (never a ConfigMap), read by envFrom: the pod
//     spec holds no values.
//   - Config files (and the platform token) live in a second Secret as a
//     gzipped tar; the init container (molecule-configinit, in its own
//     image) extracts it into the /configs claim before the agent starts,
//     with the archive's modes (.auth_token 0600). /configs stays a
//     writable claim the runtime owns.
//   - No owner references: deleting the Deployment outside Terraform must
//     not take the claims (and their data) with it.

// Container and volume names inside the pod.
const (
	agentContainer      = "agent"
	configInitContainer = "config-init"
	volConfigs          = "configs"
	volConfigFiles      = "config-files"
	volWorkspace        = "workspace"
	volSessions         = "claude-sessions"
	volTmp              = "tmp"
	configFilesMount    = "/config-files"
)

// Secret keys of the config Secret, extracted in this order.
const (
	filesArchiveKey = "files.tar.gz"
	tokenArchiveKey = "zz-auth-token.tar.gz" // after the files: the token wins
)

// Claim sizes. The hostpath and most CSI provisioners treat them as
// requests, not quotas; /configs holds text.
var (
	configClaimSize    = resource.MustParse("64Mi")
	workspaceClaimSize = resource.MustParse("1Gi")
	sessionsClaimSize  = resource.MustParse("256Mi")
	// sandboxTmpSize is tier 1's in-memory /tmp, the Docker tmpfs's size
	// (workspace.SandboxTmpfs).
	sandboxTmpSize = resource.MustParse("64Mi")
	// The init container runs before the agent and only copies files. A
	// pod reserves the larger of its init and agent requests, so the init
	// container asks for little (a 100m request capped a 2-core node at
	// about 20 workspaces, whatever their cpus); its limits bound it.
	initRequests = corev1.ResourceList{
		corev1.ResourceMemory: resource.MustParse("16Mi"),
		corev1.ResourceCPU:    resource.MustParse("10m"),
	}
	initLimits = corev1.ResourceList{
		corev1.ResourceMemory: resource.MustParse("32Mi"),
		corev1.ResourceCPU:    resource.MustParse("100m"),
	}
)

// terminationGrace matches the Docker backend's stop timeout.
const terminationGrace int64 = 10

// maxSecretBytes is Kubernetes' limit on a Secret's data (1 MiB), less room
// for the object's metadata.
const maxSecretBytes = 1<<20 - 16<<10

// Options are the cluster-wide settings objects are built with.
type Options struct {
	Namespace       string
	StorageClass    string // "" = the cluster's default class
	ConfigInitImage string
}

// Objects are everything one workspace consists of.
type Objects struct {
	Deployment   *appsv1.Deployment
	Service      *corev1.Service
	EnvSecret    *corev1.Secret
	ConfigSecret *corev1.Secret
	Claims       []*corev1.PersistentVolumeClaim
}

// BuildObjects turns a spec into its Kubernetes objects. Pure: nothing is
// asked of the cluster, so tier, mount and naming rules are unit-testable.
func BuildObjects(s workspace.WorkspaceSpec, o Options) (Objects, error) {
	configData, hashes, err := configSecretData(s)
	if err != nil {
		return Objects{}, err
	}
	envData := envSecretData(s)
	claims := buildClaims(s, o)
	dep := buildDeployment(s, o, claims)
	hashJSON, _ := json.Marshal(hashes)
	dep.Annotations[AnnotationConfigHashes] = string(hashJSON)
	dep.Spec.Template.Annotations = map[string]string{
		AnnotationConfigDigest: digest(configData),
		AnnotationEnvDigest:    digest(envData),
	}
	return Objects{
		Deployment: dep,
		Service:    buildService(s, o),
		EnvSecret: &corev1.Secret{
			ObjectMeta: objectMeta(EnvSecretName(s.WorkspaceID), o.Namespace, s.WorkspaceID, RoleEnvSecret),
			Type:       corev1.SecretTypeOpaque,
			Data:       envData,
		},
		ConfigSecret: &corev1.Secret{
			ObjectMeta: objectMeta(ConfigSecretName(s.WorkspaceID), o.Namespace, s.WorkspaceID, RoleConfigSecret),
			Type:       corev1.SecretTypeOpaque,
			Data:       configData,
		},
		Claims: claims,
	}, nil
}

func objectMeta(name, namespace, workspaceID, role string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: workspace.OwnershipLabels(workspaceID, role)}
}

// selector picks a workspace's pods: its id and the workload's role.
func selector(workspaceID string) map[string]string {
	return map[string]string{workspace.LabelWorkspaceID: workspaceID, workspace.LabelRole: workspace.RoleContainer}
}

// selectorString is selector as a label selector string.
func selectorString(workspaceID string) string {
	return workspace.LabelManaged + "=true," + workspace.LabelWorkspaceID + "=" + workspaceID + "," + workspace.LabelRole + "=" + workspace.RoleContainer
}

// deploymentLabels are the user's labels plus ownership, runtime and tier
// (labels, so that List filters on them); annotations carry the rest.
func deploymentMeta(s workspace.WorkspaceSpec, o Options) metav1.ObjectMeta {
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, workspace.OwnershipLabels(s.WorkspaceID, workspace.RoleContainer))
	labels[workspace.LabelRuntime] = s.Runtime
	labels[workspace.LabelTier] = strconv.Itoa(s.Tier)
	annotations := map[string]string{
		workspace.LabelName:      s.Name,
		workspace.LabelEnvKeys:   strings.Join(slices.Sorted(maps.Keys(s.Env)), ","),
		workspace.LabelLabelKeys: strings.Join(slices.Sorted(maps.Keys(s.Labels)), ","),
	}
	if len(s.SecretEnv) > 0 {
		annotations[workspace.LabelSecretEnvKeys] = strings.Join(slices.Sorted(maps.Keys(s.SecretEnv)), ",")
	}
	if s.SecretEnvVersion != "" {
		annotations[workspace.LabelSecretEnvVersion] = s.SecretEnvVersion
	}
	if s.PlatformTokenVersion != "" {
		annotations[workspace.LabelPlatformTokenVersion] = s.PlatformTokenVersion
	}
	return metav1.ObjectMeta{Name: s.ContainerName(), Namespace: o.Namespace, Labels: labels, Annotations: annotations}
}

func buildDeployment(s workspace.WorkspaceSpec, o Options, claims []*corev1.PersistentVolumeClaim) *appsv1.Deployment {
	replicas := int32(0)
	if s.Running {
		replicas = 1
	}
	history := int32(2)
	podLabels := workspace.OwnershipLabels(s.WorkspaceID, workspace.RoleContainer)
	return &appsv1.Deployment{
		ObjectMeta: deploymentMeta(s, o),
		Spec: appsv1.DeploymentSpec{
			Replicas:             &replicas,
			RevisionHistoryLimit: &history,
			Strategy:             appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector:             &metav1.LabelSelector{MatchLabels: selector(s.WorkspaceID)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec:       buildPodSpec(s, o, claims),
			},
		},
	}
}

func buildPodSpec(s workspace.WorkspaceSpec, o Options, claims []*corev1.PersistentVolumeClaim) corev1.PodSpec {
	tier := workspace.TierInfo(s.Tier)
	no, yes, grace := false, true, terminationGrace
	volumes := []corev1.Volume{{Name: volConfigFiles, VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: ConfigSecretName(s.WorkspaceID)}}}}
	var agentMounts []corev1.VolumeMount
	for _, c := range claims {
		vol, mountPath := claimVolume(c)
		volumes = append(volumes, corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}}})
		agentMounts = append(agentMounts, corev1.VolumeMount{Name: vol, MountPath: mountPath})
	}
	agentSecurity := &corev1.SecurityContext{}
	if tier.Sandboxed {
		agentSecurity.ReadOnlyRootFilesystem = &yes
		volumes = append(volumes, corev1.Volume{Name: volTmp, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &sandboxTmpSize}}})
		agentMounts = append(agentMounts, corev1.VolumeMount{Name: volTmp, MountPath: "/tmp"})
	}
	if tier.Privileged {
		agentSecurity.Privileged = &yes
	}
	readyPath := s.ReadyPath
	if readyPath == "" {
		readyPath = workspace.DefaultReadyPath
	}
	limits := workspace.EffectiveLimits(s)
	resources := corev1.ResourceList{
		corev1.ResourceMemory: *resource.NewQuantity(limits.MemoryMB*1024*1024, resource.BinarySI),
		corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(limits.CPUs*1000), resource.DecimalSI),
	}
	spec := corev1.PodSpec{
		AutomountServiceAccountToken:  &no,
		EnableServiceLinks:            &no, // no env of other Services' addresses
		TerminationGracePeriodSeconds: &grace,
		RestartPolicy:                 corev1.RestartPolicyAlways,
		HostPID:                       tier.Privileged,
		HostNetwork:                   tier.HostNetwork,
		Volumes:                       volumes,
		InitContainers: []corev1.Container{{
			Name:            configInitContainer,
			Image:           o.ConfigInitImage,
			ImagePullPolicy: corev1.PullIfNotPresent,
			Args:            []string{configFilesMount, "/configs"},
			VolumeMounts: []corev1.VolumeMount{
				{Name: volConfigFiles, MountPath: configFilesMount, ReadOnly: true},
				{Name: volConfigs, MountPath: "/configs"},
			},
			Resources:       corev1.ResourceRequirements{Requests: initRequests, Limits: initLimits},
			SecurityContext: &corev1.SecurityContext{ReadOnlyRootFilesystem: &yes},
		}},
		Containers: []corev1.Container{{
			Name:            agentContainer,
			Image:           engineImage(s.Image),
			ImagePullPolicy: PullPolicy(s.ImagePull),
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: EnvSecretName(s.WorkspaceID)}}}},
			Ports:           []corev1.ContainerPort{{Name: "a2a", ContainerPort: workspace.AgentPort, Protocol: corev1.ProtocolTCP}},
			VolumeMounts:    agentMounts,
			Resources:       corev1.ResourceRequirements{Requests: resources, Limits: resources},
			SecurityContext: agentSecurity,
			ReadinessProbe: &corev1.Probe{
				ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: readyPath, Port: intstr.FromInt32(workspace.AgentPort)}},
				PeriodSeconds:    1,
				TimeoutSeconds:   2,
				SuccessThreshold: 1,
				FailureThreshold: 3,
			},
		}},
	}
	if tier.HostNetwork {
		spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	return spec
}

// claimVolume is the pod volume name and mount path of one of our claims.
func claimVolume(c *corev1.PersistentVolumeClaim) (volume, mountPath string) {
	switch c.Labels[workspace.LabelRole] {
	case workspace.RoleWorkspaceVolume:
		return volWorkspace, "/workspace"
	case workspace.RoleSessionsVolume:
		return volSessions, workspace.ClaudeSessionsPath
	}
	return volConfigs, "/configs"
}

// buildClaims: /configs always; /workspace when the tier has one and no host
// directory is asked for (which Kubernetes refuses at plan); claude-code's
// sessions as on Docker.
func buildClaims(s workspace.WorkspaceSpec, o Options) []*corev1.PersistentVolumeClaim {
	claim := func(name, role string, size resource.Quantity) *corev1.PersistentVolumeClaim {
		c := &corev1.PersistentVolumeClaim{
			ObjectMeta: objectMeta(name, o.Namespace, s.WorkspaceID, role),
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
			},
		}
		if o.StorageClass != "" {
			class := o.StorageClass
			c.Spec.StorageClassName = &class
		}
		return c
	}
	claims := []*corev1.PersistentVolumeClaim{claim(s.ConfigVolume(), workspace.RoleConfigVolume, configClaimSize)}
	if v := s.WorkspaceVolume(); v != "" {
		claims = append(claims, claim(v, workspace.RoleWorkspaceVolume, workspaceClaimSize))
	}
	if v := s.SessionsVolume(); v != "" {
		claims = append(claims, claim(v, workspace.RoleSessionsVolume, sessionsClaimSize))
	}
	return claims
}

func buildService(s workspace.WorkspaceSpec, o Options) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: objectMeta(s.ContainerName(), o.Namespace, s.WorkspaceID, RoleService),
		Spec: corev1.ServiceSpec{
			Selector: selector(s.WorkspaceID),
			Ports: []corev1.ServicePort{{Name: "a2a", Port: workspace.AgentPort, Protocol: corev1.ProtocolTCP,
				TargetPort: intstr.FromInt32(workspace.AgentPort)}},
		},
	}
}

// envSecretData is the container's whole environment (injected, user and
// write-only variables) as Secret data.
func envSecretData(s workspace.WorkspaceSpec) map[string][]byte {
	env := workspace.ParseEnv(workspace.ContainerEnv(s))
	data := make(map[string][]byte, len(env))
	for k, v := range env {
		data[k] = []byte(v)
	}
	return data
}

// PullPolicy maps image_pull onto Kubernetes: missing -> IfNotPresent,
// always -> Always, never (the default) -> Never.
func PullPolicy(imagePull string) corev1.PullPolicy {
	switch imagePull {
	case workspace.PullMissing:
		return corev1.PullIfNotPresent
	case workspace.PullAlways:
		return corev1.PullAlways
	}
	return corev1.PullNever
}

// engineImage is the reference the node gets (see workspace.ImageRef.EngineRef).
func engineImage(image string) string {
	if ref, err := workspace.ParseImageRef(image); err == nil {
		return ref.EngineRef()
	}
	return image
}

// digest summarises Secret data for a pod template annotation.
func digest(data map[string][]byte) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(data)) {
		fmt.Fprintf(h, "%d:%s=%d:", len(k), k, len(data[k]))
		h.Write(data[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

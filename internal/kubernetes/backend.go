// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"math"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The rest of workspace.Backend: what a cluster can answer, and what it
// cannot (images live on the nodes, out of the API's sight; networks and
// platform adoption are Docker's).

var _ workspace.Backend = (*Cluster)(nil)

// backendName names Kubernetes in *workspace.UnsupportedError.
const backendName = "Kubernetes"

// VolumeExists reports whether a claim of ours for workspaceID exists.
func (c *Cluster) VolumeExists(ctx context.Context, name, workspaceID string) (bool, error) {
	claim, err := c.cs.CoreV1().PersistentVolumeClaims(c.opts.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, c.apiError("reading PersistentVolumeClaim "+name, err)
	}
	return workspace.IsOwned(claim.Labels, workspaceID), nil
}

// VolumeHoldsConfig answers true for a kept config claim: looking inside
// would take a pod. A claim without config.yaml shows at apply, where the
// agent's FileNotFoundError fails the create within seconds with its logs.
func (c *Cluster) VolumeHoldsConfig(ctx context.Context, workspaceID, _ string) (bool, error) {
	return c.VolumeExists(ctx, workspace.ConfigVolumeName(workspaceID), workspaceID)
}

// CheckNetwork accepts the pod network (what the network attribute reads
// on Kubernetes) and refuses anything else: pods join the cluster's one
// network.
func (c *Cluster) CheckNetwork(_ context.Context, name string) error {
	if name == PodNetwork || name == workspace.HostNetworkName {
		return nil
	}
	return &workspace.UnsupportedError{Backend: backendName, What: "network " + name,
		Why:     "every pod joins the cluster's pod network, reached through its Service",
		Instead: "Leave network out; restrict traffic with a NetworkPolicy on the workspace's labels."}
}

// CPUCount is the largest allocatable CPU count of the cluster's nodes,
// which bounds what one pod can get. Without the right to list nodes (a
// namespace-scoped login) there is no bound to report: the scheduler
// refuses a pod that fits no node.
func (c *Cluster) CPUCount(ctx context.Context) (int, error) {
	if n := c.cpuCount.Load(); n > 0 {
		return int(n), nil
	}
	nodes, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		return math.MaxInt32, nil
	}
	if err != nil {
		return 0, c.apiError("listing nodes", err)
	}
	best := int64(0)
	for _, n := range nodes.Items {
		if cpu := n.Status.Allocatable.Cpu(); cpu != nil && cpu.Value() > best {
			best = cpu.Value()
		}
	}
	if best == 0 {
		return math.MaxInt32, nil
	}
	c.cpuCount.Store(best)
	return int(best), nil
}

// ImageID is "" for every image: the nodes' images are not visible through
// the API. The node reports a missing image when the pod starts, and Create
// fails within seconds naming it.
func (c *Cluster) ImageID(context.Context, string) (string, error) { return "", nil }

// LocalDigest is the digest a reference pins, else "" (see ImageID).
func (c *Cluster) LocalDigest(_ context.Context, ref workspace.ImageRef) (string, string, error) {
	if ref.Pinned() {
		return "", ref.Digest(), nil
	}
	return "", "", nil
}

// RegistryDigest is "": the kubelet pulls (imagePullPolicy Always for
// image_pull = "always"), with the cluster's own registry credentials.
func (c *Cluster) RegistryDigest(_ context.Context, ref workspace.ImageRef) (string, error) {
	if ref.Pinned() {
		return ref.Digest(), nil
	}
	return "", nil
}

// ImageDigestOf is the digest a reference pins, else "".
func (c *Cluster) ImageDigestOf(_ context.Context, ref, _ string) string {
	if r, err := workspace.ParseImageRef(ref); err == nil && r.Pinned() {
		return r.Digest()
	}
	return ""
}

// SeesHostFiles is false: workspace_path is refused on Kubernetes.
func (c *Cluster) SeesHostFiles() bool { return false }

// SocketPath is "": there is no Docker socket to hand a workspace.
func (c *Cluster) SocketPath() string { return "" }

// PlatformOwned is nil: the Molecule platform makes its workspaces on
// Docker, never in this namespace.
func (c *Cluster) PlatformOwned(context.Context, string) error { return nil }

// InspectPlatformContainer finds nothing (see PlatformOwned).
func (c *Cluster) InspectPlatformContainer(_ context.Context, workspaceID string) (workspace.ObservedWorkspace, error) {
	return workspace.Missing(workspaceID), nil
}

// Adopt is Docker's: the platform's workspaces run there.
func (c *Cluster) Adopt(context.Context, workspace.WorkspaceSpec, string, workspace.Progress) (workspace.ObservedWorkspace, error) {
	return workspace.ObservedWorkspace{}, adoptionUnsupported()
}

// CheckAdoptedVolumes refuses adopted volumes (see Adopt).
func (c *Cluster) CheckAdoptedVolumes(_ context.Context, volumes []string) error {
	if len(volumes) == 0 {
		return nil
	}
	return adoptionUnsupported()
}

func adoptionUnsupported() error {
	return &workspace.UnsupportedError{Backend: backendName, What: "adopting a platform-made workspace",
		Why:     "the Molecule platform makes its workspaces on a Docker engine",
		Instead: "Adopt it with a provider configured for that engine."}
}

func networkUnsupported() error {
	return &workspace.UnsupportedError{Backend: backendName, What: "molecule_network",
		Why:     "every pod joins the cluster's pod network and is reached through its Service",
		Instead: "Restrict traffic between workspaces with a NetworkPolicy on their labels."}
}

// CreateNetwork is Docker's (see networkUnsupported).
func (c *Cluster) CreateNetwork(context.Context, workspace.NetworkSpec) (workspace.ObservedNetwork, error) {
	return workspace.ObservedNetwork{}, networkUnsupported()
}

// InspectNetwork is Docker's (see networkUnsupported).
func (c *Cluster) InspectNetwork(context.Context, string) (workspace.ObservedNetwork, error) {
	return workspace.ObservedNetwork{}, networkUnsupported()
}

// DeleteNetwork is Docker's (see networkUnsupported).
func (c *Cluster) DeleteNetwork(context.Context, string) error { return networkUnsupported() }

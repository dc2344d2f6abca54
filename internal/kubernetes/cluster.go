// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package kubernetes runs workspaces on a Kubernetes cluster: the
// Kubernetes backend, meaning what the Docker backend means (see
// objects.go for how a workspace maps onto Kubernetes objects).
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The client's rate limit (see restConfig).
const (
	kubeQPS   = 200
	kubeBurst = 400
)

// DefaultNamespace is where workspaces go unless the configuration says.
const DefaultNamespace = "molecule"

// DefaultConfigInitImage is the image of cmd/molecule-configinit that the
// init container runs: a FROM scratch image holding one static binary,
// published with each release under this repository's name (.goreleaser.yml)
// and tagged with the release's major version, so its tag moves with a major
// bump (make release-check compares it with CHANGELOG.md's next release, and
// the release itself with its tag). Clusters that cannot pull it load it
// (scripts/build-config-init-image.sh builds it) or set config_init_image to
// a mirror.
const DefaultConfigInitImage = "ghcr.io/molecule-ai/terraform-provider-molecule-configinit:v0"

// Config says how to reach a cluster and where workspaces go. Names follow
// the hashicorp/kubernetes provider's settings.
type Config struct {
	// ConfigPath is a kubeconfig file; "" means KUBECONFIG, else
	// ~/.kube/config (unless Host is given).
	ConfigPath    string
	ConfigContext string
	// Host, Token, ClientCertificate, ClientKey, ClusterCACertificate
	// (PEM text) override the kubeconfig, or stand without one.
	Host                 string
	Token                string
	ClientCertificate    string
	ClientKey            string
	ClusterCACertificate string

	Namespace       string // "" = DefaultNamespace
	StorageClass    string // "" = the cluster's default class
	ConfigInitImage string // "" = DefaultConfigInitImage

	// RoundTripperWrapper, when set, wraps the HTTP transport (to count calls).
	RoundTripperWrapper func(http.RoundTripper) http.RoundTripper
}

// Cluster is a connection to one cluster's namespace.
type Cluster struct {
	cs   apiClients
	meta metadata.Interface // nil: NameConflict reads name by name (unit tests)
	host string
	opts Options

	nsOnce   sync.Mutex
	nsDone   bool
	cpuCount atomic.Int64 // CPUCount's answer, once asked

	snapMu sync.Mutex // guards snap (see refreshSnapshot)
	snap   *namespaceSnapshot

	namesMu   sync.Mutex // guards namesSnap (see listNames)
	namesSnap *nameLists
}

// New builds a client for the configured cluster. It does not contact the
// cluster: call Ping for that.
func New(cfg Config) (*Cluster, error) {
	rc, err := restConfig(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.RoundTripperWrapper != nil {
		rc.Wrap(cfg.RoundTripperWrapper)
	}
	cs, err := newAPIClients(rc)
	if err != nil {
		return nil, fmt.Errorf("the Kubernetes API server %s: %w", rc.Host, err)
	}
	meta, err := metadata.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("the Kubernetes API server %s: %w", rc.Host, err)
	}
	c := NewWithClient(cs, rc.Host, cfg)
	c.meta = meta
	return c, nil
}

// NewWithClient wraps existing clients (unit tests pass a fake clientset).
func NewWithClient(cs apiClients, host string, cfg Config) *Cluster {
	o := Options{Namespace: cfg.Namespace, StorageClass: cfg.StorageClass, ConfigInitImage: cfg.ConfigInitImage}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.ConfigInitImage == "" {
		o.ConfigInitImage = DefaultConfigInitImage
	}
	return &Cluster{cs: cs, host: host, opts: o}
}

// restConfig resolves the connection: kubeconfig (ConfigPath, else
// KUBECONFIG, else ~/.kube/config) with ConfigContext, and the explicit
// settings laid over it. With Host and no ConfigPath no file is read.
func restConfig(cfg Config) (*rest.Config, error) {
	rules := &clientcmd.ClientConfigLoadingRules{}
	switch {
	case cfg.ConfigPath != "":
		rules.ExplicitPath = expandHome(cfg.ConfigPath)
	case cfg.Host != "":
		// explicit settings only
	default:
		rules = clientcmd.NewDefaultClientConfigLoadingRules()
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: cfg.ConfigContext}
	if cfg.Host != "" {
		overrides.ClusterInfo.Server = cfg.Host
	}
	if cfg.ClusterCACertificate != "" {
		overrides.ClusterInfo.CertificateAuthorityData = []byte(cfg.ClusterCACertificate)
	}
	overrides.AuthInfo = clientcmdapi.AuthInfo{Token: cfg.Token}
	if cfg.ClientCertificate != "" {
		overrides.AuthInfo.ClientCertificateData = []byte(cfg.ClientCertificate)
	}
	if cfg.ClientKey != "" {
		overrides.AuthInfo.ClientKeyData = []byte(cfg.ClientKey)
	}
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		where := "the kubeconfig"
		if rules.ExplicitPath != "" {
			where = "kubeconfig " + rules.ExplicitPath
		}
		return nil, fmt.Errorf("kubernetes: %s: %w (set config_path, or host with token or client_certificate and client_key)", where, err)
	}
	// A fleet apply checks, makes and watches tens of workspaces at once
	// (about 25 calls each, most in its first moments): client-go's
	// limiter at 50/s held a 50-workspace apply back. The API server's
	// priority and fairness still guard it.
	rc.QPS, rc.Burst = kubeQPS, kubeBurst
	rc.Timeout = 60 * time.Second
	return rc, nil
}

func expandHome(p string) string {
	if len(p) > 1 && p[:2] == "~/" {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// Host is the API server's URL, for messages.
func (c *Cluster) Host() string { return c.host }

// Namespace is where the workspaces live.
func (c *Cluster) Namespace() string { return c.opts.Namespace }

// Options are the settings objects are built with.
func (c *Cluster) Options() Options { return c.opts }

// InternalURL is a workspace's address inside the cluster.
func (c *Cluster) InternalURL(workspaceID string) string {
	return InternalURL(workspaceID, c.opts.Namespace)
}

// Isolation is the isolation summary a spec gets here.
func (c *Cluster) Isolation(s workspace.WorkspaceSpec) string { return Isolation(s, c.opts) }

// UnreachableError is an API server that does not answer.
type UnreachableError struct {
	Host string
	Err  error
}

func (u *UnreachableError) Error() string {
	return fmt.Sprintf("the Kubernetes API server at %s does not answer: %v", u.Host, u.Err)
}
func (u *UnreachableError) Unwrap() error { return u.Err }

// Ping checks that the API server answers, naming it when it does not.
func (c *Cluster) Ping(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		_, err := c.cs.Discovery().ServerVersion()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return &UnreachableError{Host: c.host, Err: err}
		}
		return nil
	case <-time.After(15 * time.Second):
		return &UnreachableError{Host: c.host, Err: errors.New("no answer within 15s")}
	case <-ctx.Done():
		return &UnreachableError{Host: c.host, Err: ctx.Err()}
	}
}

// Close releases nothing: client-go keeps no connections that need it.
func (c *Cluster) Close() error { return nil }

// ensureNamespace creates the namespace, labelled as ours, when it is
// absent; an existing one (ours or the operator's) is used as it is. Asked
// once per provider run.
func (c *Cluster) ensureNamespace(ctx context.Context) error {
	c.nsOnce.Lock()
	defer c.nsOnce.Unlock()
	if c.nsDone {
		return nil
	}
	ns := c.opts.Namespace
	_, err := c.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: ns, Labels: workspace.OwnershipLabels("", RoleNamespace)}}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		} else if err == nil {
			err = c.waitServiceAccount(ctx, ns)
		}
	}
	if err != nil {
		return c.apiError("making sure namespace "+ns+" exists", err)
	}
	c.nsDone = true
	return nil
}

// waitServiceAccount waits for a new namespace's default service account:
// the API server refuses pods until it exists, and the ReplicaSet
// controller would retry with a growing backoff.
func (c *Cluster) waitServiceAccount(ctx context.Context, ns string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := c.cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if err == nil || !apierrors.IsNotFound(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s has no default service account after 30s: is the controller manager running?", ns)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// apiError names what was being done and the API server.
func (c *Cluster) apiError(doing string, err error) error {
	return fmt.Errorf("%s on the Kubernetes API server %s: %w", doing, c.host, err)
}

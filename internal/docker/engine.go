// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/sockets"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	"golang.org/x/sync/singleflight"
)

// EngineConfig says how to reach a Docker engine. Empty fields fall back to
// the usual DOCKER_* environment variables.
type EngineConfig struct {
	Host         string
	CAMaterial   string
	CertMaterial string
	KeyMaterial  string
	CertPath     string
	TLSVerify    bool
	// SSHOptions are extra ssh client arguments for ssh:// hosts (e.g. -i key).
	SSHOptions []string
	// RoundTripperWrapper, when set, wraps the HTTP transport (used to count API calls).
	RoundTripperWrapper func(http.RoundTripper) http.RoundTripper
	// Credentials are the registry logins sent with pulls and digest lookups.
	Credentials Credentials
}

// Engine is a connection to one Docker engine plus per-run caches.
type Engine struct {
	cli  client.APIClient
	host string
	// local is true when the engine runs on this machine (a unix socket or a
	// loopback address): only then can the agent's 127.0.0.1 port be probed.
	local bool

	imageCache   sync.Map // image ref -> imageLookup, valid for one provider run
	digestCache  sync.Map // engine ref -> digestLookup: registry answers, one provider run
	pulls        sync.Map // engine ref -> *pullOnce: one pull per image per provider run
	credentials  Credentials
	networkCache sync.Map     // names of networks seen to exist
	cpuCount     atomic.Int64 // the engine's CPUs once asked (see CPUCount), else 0
	// lookups makes concurrent first lookups of one network or the CPU
	// count share a single engine call: a fleet's plans all start at
	// once, before any answer is cached.
	lookups singleflight.Group
}

type imageLookup struct {
	image LocalImage
	err   error
}

// DefaultHost is the local engine's socket.
const DefaultHost = "unix:///var/run/docker.sock"

// ResolveHost returns the host to use: explicit, then DOCKER_HOST, then the local socket.
func ResolveHost(host string) string {
	if host != "" {
		return host
	}
	if env := os.Getenv("DOCKER_HOST"); env != "" {
		return env
	}
	return DefaultHost
}

// NewEngine builds a client for the configured engine with API version
// negotiation. It does not contact the engine: call Ping for that.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	host := ResolveHost(cfg.Host)
	hostURL, err := client.ParseHostURL(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %q is not valid: %w", host, err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}
	opts := []client.Opt{client.WithAPIVersionNegotiation()}
	switch hostURL.Scheme {
	case "ssh":
		dial, err := sshDialer(hostURL, cfg.SSHOptions)
		if err != nil {
			return nil, err
		}
		// WithHost reconfigures the transport's dialer, so the ssh dialer goes after it.
		opts = append(opts, client.WithHost("http://docker.example"), client.WithDialContext(dial))
	default:
		if err := sockets.ConfigureTransport(transport, hostURL.Scheme, hostURL.Host); err != nil {
			return nil, fmt.Errorf("docker host %q: %w", host, err)
		}
		tlsConfig, err := buildTLSConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("docker host %q: %w", host, err)
		}
		if tlsConfig != nil {
			transport.TLSClientConfig = tlsConfig
			opts = append(opts, client.WithScheme("https"))
		}
		opts = append(opts, client.WithHost(host))
	}
	opts = append([]client.Opt{client.WithHTTPClient(&http.Client{Transport: transport})}, opts...)
	if cfg.RoundTripperWrapper != nil {
		// Last: WithHost and WithDialContext configure the *http.Transport
		// itself and refuse any other RoundTripper, so the wrapper goes
		// around the transport once they are done with it.
		opts = append(opts, client.WithHTTPClient(&http.Client{Transport: cfg.RoundTripperWrapper(transport)}))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	return &Engine{cli: cli, host: host, local: isLocalHost(hostURL.Scheme, hostURL.Hostname()), credentials: cfg.Credentials}, nil
}

// Host is the engine's address, for error messages.
func (e *Engine) Host() string { return e.host }

// UnreachableError is an engine that does not answer.
type UnreachableError struct {
	Host string
	Err  error
}

func (u *UnreachableError) Error() string {
	return fmt.Sprintf("the Docker engine at %s does not answer: %v", u.Host, u.Err)
}
func (u *UnreachableError) Unwrap() error { return u.Err }

// Ping checks that the engine answers, naming the host when it does not.
func (e *Engine) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ping, err := e.cli.Ping(ctx)
	if err != nil {
		return &UnreachableError{Host: e.host, Err: err}
	}
	// Negotiate from this answer: NegotiateAPIVersion would ping a second time.
	e.cli.NegotiateAPIVersionPing(ping)
	return nil
}

// Close releases the client's connections.
func (e *Engine) Close() error { return e.cli.Close() }

// TLSSource says where a piece of TLS material came from: PEM text given
// directly (Dir ""), or a file in a certificate directory, given in the
// configuration or by DOCKER_CERT_PATH (FromEnv).
type TLSSource struct {
	Dir     string
	File    string // the file within Dir
	FromEnv bool
}

func (s TLSSource) String() string {
	if s.Dir == "" {
		return "given as PEM text"
	}
	from := "read from " + filepath.Join(s.Dir, s.File)
	if s.FromEnv {
		from += " (DOCKER_CERT_PATH)"
	}
	return from
}

// TLSPart names what TLSError is about.
type TLSPart string

// The parts of an engine's TLS material.
const (
	TLSPartCA         TLSPart = "CA certificate"
	TLSPartClientPair TLSPart = "client certificate and key"
)

// TLSError is TLS material that cannot be used, with where it came from.
type TLSError struct {
	Part   TLSPart
	Source TLSSource // for the client pair: the certificate's
	Err    error
}

func (e *TLSError) Error() string {
	return fmt.Sprintf("the %s (%s) %v", e.Part, e.Source, e.Err)
}
func (e *TLSError) Unwrap() error { return e.Err }

// buildTLSConfig returns nil when no TLS is configured. PEM material wins over
// the certificate directory, which wins over DOCKER_CERT_PATH. Unusable
// material is a *TLSError.
func buildTLSConfig(cfg EngineConfig) (*tls.Config, error) {
	ca, cert, key := []byte(cfg.CAMaterial), []byte(cfg.CertMaterial), []byte(cfg.KeyMaterial)
	var caFrom, certFrom TLSSource
	certPath, fromEnv := cfg.CertPath, false
	verify := cfg.TLSVerify || os.Getenv("DOCKER_TLS_VERIFY") != ""
	if certPath == "" && len(ca)+len(cert)+len(key) == 0 {
		certPath, fromEnv = os.Getenv("DOCKER_CERT_PATH"), true
	}
	if certPath != "" {
		var err error
		if ca, caFrom, err = readIfEmpty(ca, certPath, "ca.pem", fromEnv); err != nil {
			return nil, err
		}
		if cert, certFrom, err = readIfEmpty(cert, certPath, "cert.pem", fromEnv); err != nil {
			return nil, err
		}
		if key, _, err = readIfEmpty(key, certPath, "key.pem", fromEnv); err != nil {
			return nil, err
		}
	}
	if len(ca)+len(cert)+len(key) == 0 {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, &TLSError{Part: TLSPartCA, Source: caFrom, Err: errors.New("holds no PEM certificate")}
		}
		conf.RootCAs = pool
	} else if !verify {
		conf.InsecureSkipVerify = true //nolint:gosec // the user gave no CA and did not ask for verification
	}
	if len(cert) > 0 || len(key) > 0 {
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, &TLSError{Part: TLSPartClientPair, Source: certFrom, Err: fmt.Errorf("do not form a key pair: %w", err)}
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return conf, nil
}

// readIfEmpty reads dir/file unless current already holds material, and
// says where the result came from.
func readIfEmpty(current []byte, dir, file string, fromEnv bool) ([]byte, TLSSource, error) {
	if len(current) > 0 {
		return current, TLSSource{}, nil
	}
	from := TLSSource{Dir: dir, File: file, FromEnv: fromEnv}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, from, nil
	}
	if err != nil {
		return nil, from, fmt.Errorf("reading %s: %w", filepath.Join(dir, file), err)
	}
	return data, from, nil
}

// isLocalHost reports whether an engine address is on this machine.
func isLocalHost(scheme, hostname string) bool {
	switch scheme {
	case "unix", "npipe":
		return true
	}
	if hostname == "localhost" {
		return true
	}
	ip := net.ParseIP(hostname)
	return ip != nil && ip.IsLoopback()
}

// CPUCount returns how many CPUs the engine's host has, which bounds a
// container's CPU limit: Docker refuses a limit above it. Asked once per
// provider run.
func (e *Engine) CPUCount(ctx context.Context) (int, error) {
	if n := e.cpuCount.Load(); n > 0 {
		return int(n), nil
	}
	info, err := shared(&e.lookups, "info", func() (system.Info, error) { return e.cli.Info(ctx) })
	if err != nil {
		return 0, fmt.Errorf("asking the Docker engine at %s for its CPU count: %w", e.host, err)
	}
	e.cpuCount.Store(int64(info.NCPU))
	return info.NCPU, nil
}

var _ workspace.Backend = (*Engine)(nil)

// Isolation summarises the spec's settings that Docker cannot change in place.
func (e *Engine) Isolation(s workspace.WorkspaceSpec) string { return Isolation(s) }

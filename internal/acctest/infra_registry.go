// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// Registry is the shared test registry started by scripts/ensure-registry.sh
// (docker-registry with TLS and htpasswd on 127.0.0.1). Tests push into
// repositories of their own (Namespace) so that they can run in parallel.
type Registry struct {
	Host, User, Password string
	CA, Cert, Key, Log   string
	Dir                  string
}

// TestRegistry reads the shared registry's settings; it fails (never skips)
// when the registry is not set up or does not answer.
func TestRegistry(t *testing.T) Registry {
	t.Helper()
	AcceptanceOnly(t)
	dir := os.Getenv("MOLECULE_TEST_REGISTRY_DIR")
	if dir == "" {
		dir = "/var/lib/molecule-test-registry"
	}
	data, err := os.ReadFile(filepath.Join(dir, "registry.env"))
	if err != nil {
		t.Fatalf("test registry not set up (%v): run scripts/ensure-registry.sh, or make test", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	r := Registry{Host: env["REGISTRY_HOST"], User: env["REGISTRY_USER"], Password: env["REGISTRY_PASSWORD"],
		CA: env["REGISTRY_CA"], Cert: env["REGISTRY_CERT"], Key: env["REGISTRY_KEY"], Log: env["REGISTRY_LOG"], Dir: dir}
	if err := r.ping(); err != nil {
		t.Fatalf("test registry %s does not answer (%v): run scripts/ensure-registry.sh, or make test", r.Host, err)
	}
	return r
}

func (r Registry) httpClient() (*http.Client, error) {
	ca, err := os.ReadFile(r.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}, nil
}

func (r Registry) ping() error {
	c, err := r.httpClient()
	if err != nil {
		return err
	}
	resp, err := c.Get("https://" + r.Host + "/v2/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /v2/: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Namespace is a registry namespace of the test's own: <host>/tfacc-<random>.
func (r Registry) Namespace() string { return r.Host + "/tfacc-" + randomHex(4) }

// Auth is the encoded login for pushes.
func (r Registry) Auth() string {
	s, _ := registry.EncodeAuthConfig(registry.AuthConfig{Username: r.User, Password: r.Password, ServerAddress: r.Host})
	return s
}

// ProviderBlock is a provider block with image_registry set to namespace and
// a registry_auth entry for the test registry, plus extra lines.
func (r Registry) ProviderBlock(namespace string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"molecule\" {\n  network = %q\n  image_registry = %q\n", Network, namespace)
	fmt.Fprintf(&b, "  registry_auth = [{ address = %q, username = %q, password = %q }]\n", r.Host, r.User, r.Password)
	for _, line := range extra {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Push tags a local image as ref (in the registry), pushes it and untags it
// again, so the engine has to pull it; it returns the pushed digest. Images
// pulled under ref are removed when the test ends.
func (r Registry) Push(t *testing.T, cli *client.Client, local, ref string) string {
	t.Helper()
	ctx := context.Background()
	if err := cli.ImageTag(ctx, local, ref); err != nil {
		t.Fatalf("tagging %s as %s: %v", local, ref, err)
	}
	defer untag(cli, ref)
	rc, err := cli.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: r.Auth()})
	if err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	defer rc.Close()
	digest := ""
	dec := json.NewDecoder(rc)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("pushing %s: %v", ref, err)
		}
		if m.Error != nil {
			t.Fatalf("pushing %s: %s", ref, m.Error.Message)
		}
		if m.Aux != nil {
			var aux struct{ Digest string }
			if json.Unmarshal(*m.Aux, &aux) == nil && aux.Digest != "" {
				digest = aux.Digest
			}
		}
	}
	if digest == "" {
		t.Fatalf("pushing %s: no digest reported", ref)
	}
	t.Cleanup(func() { RemovePulled(cli, ref) })
	return digest
}

// untag removes a tag without touching the image it points to when other
// tags or containers still use it.
func untag(cli *client.Client, ref string) {
	_, _ = cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: false, PruneChildren: false})
}

// RemovePulled removes every name the engine holds for ref's repository
// (tags and digests, such as an older digest an "always" pull replaced):
// the stand-in layers shared with other names stay, and so do images still
// used by a container.
func RemovePulled(cli *client.Client, ref string) {
	ctx := context.Background()
	repo := refRepo(ref)
	list, err := cli.ImageList(ctx, image.ListOptions{})
	if err != nil {
		return
	}
	for _, img := range list {
		for _, name := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
			if strings.HasPrefix(name, repo+":") || strings.HasPrefix(name, repo+"@") {
				untag(cli, name)
			}
		}
	}
}

// refRepo strips the tag or digest of a reference.
func refRepo(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// ImagePresent reports whether the engine has an image under ref.
func ImagePresent(cli *client.Client, ref string) bool {
	_, err := cli.ImageInspect(context.Background(), ref)
	return err == nil || !cerrdefs.IsNotFound(err)
}

// PullWatch counts the engine's pull events for one repository, watched
// live (the engine keeps only its last few hundred events, too few to look
// back on a shared engine).
type PullWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	count  int
	err    error
}

// WatchPulls starts counting pulls of images of repo (a reference without
// tag or digest); Stop returns the count.
func WatchPulls(cli *client.Client, repo string) *PullWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &PullWatch{cancel: cancel, done: make(chan struct{})}
	msgs, errs := cli.Events(ctx, events.ListOptions{Filters: filters.NewArgs(filters.Arg("type", "image"), filters.Arg("event", "pull"))})
	go func() {
		defer close(w.done)
		for {
			select {
			case m := <-msgs:
				if strings.HasPrefix(m.Actor.ID, repo+":") || strings.HasPrefix(m.Actor.ID, repo+"@") {
					w.count++
				}
			case err := <-errs:
				if ctx.Err() == nil {
					w.err = err
				}
				return
			}
		}
	}()
	return w
}

// Stop ends the watch (after a moment for late events) and returns the count.
func (w *PullWatch) Stop() (int, error) {
	time.Sleep(500 * time.Millisecond)
	w.cancel()
	<-w.done
	return w.count, w.err
}

// OwnRegistry is a docker-registry of one test's own (no authentication,
// the shared registry's TLS certificate), for faults such as a registry
// that stopped: the shared one is never stopped.
type OwnRegistry struct {
	Host string
	cmd  *exec.Cmd
}

// StartOwnRegistry starts a registry on a free loopback port, trusted by the
// engine through /etc/docker/certs.d/<host>/ca.crt; it is stopped and its
// files removed when the test ends.
func (r Registry) StartOwnRegistry(t *testing.T) *OwnRegistry {
	t.Helper()
	port := FreePort(t)
	host := fmt.Sprintf("127.0.0.1:%d", port)
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n  tls:\n    certificate: %s\n    key: %s\n",
		filepath.Join(dir, "data"), host, r.Cert, r.Key)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join("/etc/docker/certs.d", host)
	ca, err := os.ReadFile(r.CA)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(certs, 0o755); err != nil {
		t.Fatalf("trusting %s: %v", host, err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(certs) })
	if err := os.WriteFile(filepath.Join(certs, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	own := &OwnRegistry{Host: host, cmd: cmd}
	t.Cleanup(own.Stop)
	probe := Registry{Host: host, CA: r.CA}
	for i := 0; ; i++ {
		if probe.ping() == nil {
			return own
		}
		if i > 100 {
			t.Fatalf("own registry on %s did not answer; log:\n%s", host, tail(filepath.Join(dir, "registry.log")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the registry (idempotent).
func (o *OwnRegistry) Stop() {
	if o.cmd.ProcessState == nil && o.cmd.Process != nil {
		_ = o.cmd.Process.Kill()
		_ = o.cmd.Wait()
	}
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// SweepRegistryImages removes the names that registry tests pulled into
// namespaces of their own (127.0.0.1:<port>/tfacc-*/...), left by
// interrupted runs. Only those names are removed: the images behind them
// stay while other names or containers use them.
func SweepRegistryImages(ctx context.Context, cli *client.Client, o SweepOptions) ([]string, error) {
	list, err := cli.ImageList(ctx, image.ListOptions{All: false})
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, img := range list {
		if !o.oldEnough(time.Unix(img.Created, 0)) && o.MinAge > 0 {
			continue
		}
		for _, name := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
			if !strings.HasPrefix(name, "127.0.0.1:") || !strings.Contains(name, "/"+IDPrefix+"-") {
				continue
			}
			if _, err := cli.ImageRemove(ctx, name, image.RemoveOptions{}); err == nil {
				o.logf("removed test registry image name %s", name)
				removed = append(removed, name)
			}
		}
	}
	return removed, nil
}

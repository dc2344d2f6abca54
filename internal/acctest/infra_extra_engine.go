// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ExtraEngine is a throwaway dockerd that belongs to one test, so the test
// may stop, restart or kill it without disturbing anyone: the main engine at
// /var/run/docker.sock and the second engine of scripts/ensure-docker.sh
// --second are shared by other tests. Everything two engines could share
// gets its own place: socket, data root, exec root (containerd lives under
// it), pid file, config file, containerd namespaces and a bridge of its own
// (never --bridge=none: dockerd 20.10 then deletes docker0, the main
// engine's bridge). It leaves iptables to the main engine; published ports
// still work through docker-proxy.
type ExtraEngine struct {
	// Host is the engine's unix socket, e.g. unix:///tmp/mtfx-123/docker.sock.
	Host string
	// TLSHost is tcp://127.0.0.1:<port> when started with TLS, else "".
	TLSHost string
	// TLS holds the certificates the engine trusts and presents (TLS only).
	TLS *TLSFiles

	t       *testing.T
	dir     string
	bridge  string
	logPath string
	args    []string
	proc    *os.Process
	exited  chan struct{}
	cli     *client.Client
}

// ExtraEngineOptions says how to start an extra engine.
type ExtraEngineOptions struct {
	// TLS also listens on 127.0.0.1:<free port> with --tlsverify, using a CA
	// and certificates generated for the test (see TLSFiles).
	TLS bool
	// SkipImages leaves the engine without the stand-in images.
	SkipImages bool
}

// extraEnginePrefix starts the temporary directories and bridges of extra
// engines, so leftovers of a killed test run are recognisable.
const extraEnginePrefix = "mtfx"

// StartExtraEngine starts a dockerd for this test, loads the stand-in images
// into it (scripts/build-test-images.sh with DOCKER_HOST set) and creates the
// acceptance-test network. It is stopped and its files, bridge and data are
// removed when the test ends. It needs root and dockerd; without them the
// test fails, never skips.
func StartExtraEngine(t *testing.T, opts ExtraEngineOptions) *ExtraEngine {
	t.Helper()
	AcceptanceOnly(t)
	if os.Geteuid() != 0 {
		t.Fatalf("an extra Docker engine needs root")
	}
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		t.Fatalf("dockerd not found (%v): run scripts/ensure-docker.sh", err)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatalf("unshare (util-linux) not found: %v", err)
	}
	// A short path: unix sockets (ours and containerd's under the exec
	// root) are limited to 108 bytes.
	dir, err := os.MkdirTemp("", extraEnginePrefix+"-")
	if err != nil {
		t.Fatal(err)
	}
	suffix := randomHex(3)
	e := &ExtraEngine{
		Host:    "unix://" + filepath.Join(dir, "docker.sock"),
		t:       t,
		dir:     dir,
		bridge:  extraEnginePrefix + suffix,
		logPath: filepath.Join(dir, "dockerd.log"),
	}
	t.Cleanup(e.remove)
	// The bridge's name is written down first, so a sweep never takes a
	// starting engine's bridge for a leftover.
	for name, content := range map[string]string{"daemon.json": "{}\n", "bridge": e.bridge + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.makeBridge()
	rangeFile := e.reservePortWindow()
	namespace := extraEnginePrefix + "-" + suffix
	// dockerd picks published host ports from ip_local_port_range, counting
	// up from its start like every other engine on the host, so two engines
	// hand out the same ports and the second fails to bind. This one runs in
	// a mount namespace of its own where that file shows a window of ports
	// reserved for it, below the kernel's ephemeral range.
	e.args = []string{"unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$0" /proc/sys/net/ipv4/ip_local_port_range && exec "$@"`, rangeFile,
		dockerd,
		"--host", e.Host,
		"--config-file", filepath.Join(dir, "daemon.json"),
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--bridge", e.bridge,
		"--iptables=false",
		"--ip-forward=false",
		"--containerd-namespace", namespace,
		"--containerd-plugins-namespace", namespace + "-plugins",
		"--shutdown-timeout", "2",
	}
	if opts.TLS {
		files := GenerateTLS(t, filepath.Join(dir, "tls"))
		e.TLS = &files
		e.TLSHost = fmt.Sprintf("tcp://127.0.0.1:%d", FreePort(t))
		e.args = append(e.args, "--host", e.TLSHost, "--tlsverify",
			"--tlscacert", files.CAFile, "--tlscert", files.ServerCertFile, "--tlskey", files.ServerKeyFile)
	}
	e.Start()
	if !opts.SkipImages {
		e.loadImages()
	}
	e.createTestNetwork()
	return e
}

// createTestNetwork creates the acceptance-test network on a /24 of its own:
// the default address pools are shared by every engine on the host and run
// out when many networks exist.
func (e *ExtraEngine) createTestNetwork() {
	e.t.Helper()
	cidr, err := freeSubnet()
	if err != nil {
		e.t.Fatal(err)
	}
	subnet := strings.TrimSuffix(cidr, ".1/24") + ".0/24"
	created, err := e.Client().NetworkCreate(context.Background(), Network, network.CreateOptions{
		Driver: "bridge",
		Labels: workspace.OwnershipLabels("", workspace.RoleNetwork),
		IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet}}},
	})
	if err != nil {
		e.t.Fatalf("creating network %s on %s: %v", Network, e.Host, err)
	}
	e.recordNetwork(created.ID)
}

// recordNetwork notes a network's ID in the engine's directory: its bridge
// (br-<id12>) outlives dockerd and must be deleted with the engine, also by
// a sweep after a killed run.
func (e *ExtraEngine) recordNetwork(id string) {
	f, err := os.OpenFile(filepath.Join(e.dir, "networks"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, id)
}

// Client is a Docker client for the engine's unix socket; it keeps working
// across restarts.
func (e *ExtraEngine) Client() *client.Client {
	e.t.Helper()
	if e.cli == nil {
		cli, err := client.NewClientWithOpts(client.WithHost(e.Host), client.WithAPIVersionNegotiation())
		if err != nil {
			e.t.Fatalf("docker client for %s: %v", e.Host, err)
		}
		e.cli = cli
	}
	return e.cli
}

// Running reports whether the engine's dockerd process is alive.
func (e *ExtraEngine) Running() bool {
	if e.proc == nil {
		return false
	}
	select {
	case <-e.exited:
		return false
	default:
		return true
	}
}

// Start starts dockerd (again) with the same settings and waits until it
// answers. Containers with a restart policy come back as after a reboot.
func (e *ExtraEngine) Start() {
	e.t.Helper()
	if e.Running() {
		e.t.Fatalf("extra engine %s is already running", e.Host)
	}
	logFile, err := os.OpenFile(e.logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "=== %s start\n", time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(e.args[0], e.args[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, and SIGTERM when the test process dies, so a
	// killed test run does not leave the engine behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("starting dockerd: %v", err)
	}
	e.proc, e.exited = cmd.Process, make(chan struct{})
	exited := e.exited
	go func() { _ = cmd.Wait(); close(exited) }()

	cli := e.Client()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cli.Ping(ctx)
		cancel()
		if err == nil {
			cli.NegotiateAPIVersion(context.Background())
			return
		}
		select {
		case <-exited:
			e.t.Fatalf("dockerd for %s exited at start-up:\n%s", e.Host, e.LogTail(30))
		default:
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("dockerd for %s does not answer after 60s (%v):\n%s", e.Host, err, e.LogTail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops dockerd as an operator would (SIGTERM: it stops the containers
// within --shutdown-timeout), killing it after 30 s.
func (e *ExtraEngine) Stop() {
	e.t.Helper()
	if !e.Running() {
		return
	}
	_ = e.proc.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(30 * time.Second):
		e.t.Logf("dockerd for %s did not stop within 30s; killing it", e.Host)
		_ = e.proc.Kill()
		<-e.exited
		e.killContainerd()
	}
	e.proc = nil
}

// Restart stops and starts dockerd, like systemctl restart docker.
func (e *ExtraEngine) Restart() {
	e.t.Helper()
	e.Stop()
	e.Start()
}

// LogTail returns the last lines of the engine's log, for failure messages.
func (e *ExtraEngine) LogTail(lines int) string {
	data, err := os.ReadFile(e.logPath)
	if err != nil {
		return "(no dockerd log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// loadImages builds the stand-in images into this engine.
func (e *ExtraEngine) loadImages() {
	e.t.Helper()
	script := filepath.Join(RepoRoot(e.t), "scripts", "build-test-images.sh")
	cmd := exec.Command(script)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.Host)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("loading the stand-in images into %s: %v\n%s", e.Host, err, out)
	}
}

// killContainerd kills the containerd that a killed dockerd leaves behind.
func (e *ExtraEngine) killContainerd() {
	data, err := os.ReadFile(filepath.Join(e.dir, "exec", "containerd", "containerd.pid"))
	if err != nil {
		return
	}
	var pid int
	if _, err := fmt.Sscan(string(data), &pid); err == nil && pid > 1 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// remove stops the engine and deletes its bridge and files. The data root
// is kept (and reported) if anything is still mounted below it.
func (e *ExtraEngine) remove() {
	if e.Running() {
		// Networks made by the test (molecule_network) are recorded too.
		ctx := context.Background()
		if nets, err := e.Client().NetworkList(ctx, network.ListOptions{}); err == nil {
			for _, n := range nets {
				if n.Driver == "bridge" && n.Name != "bridge" {
					e.recordNetwork(n.ID)
				}
			}
		}
	}
	e.Stop()
	if e.cli != nil {
		_ = e.cli.Close()
	}
	for _, bridge := range append(engineBridges(e.dir), e.bridge) {
		if out, err := exec.Command("ip", "link", "delete", bridge).CombinedOutput(); err != nil && !strings.Contains(string(out), "Cannot find device") {
			e.t.Logf("deleting bridge %s: %v: %s", bridge, err, out)
		}
	}
	if mounts, err := os.ReadFile("/proc/mounts"); err == nil && strings.Contains(string(mounts), " "+e.dir+"/") {
		e.t.Errorf("mounts remain under %s after dockerd stopped; leaving it in place", e.dir)
		return
	}
	if err := os.RemoveAll(e.dir); err != nil {
		e.t.Logf("removing %s: %v", e.dir, err)
	}
}

// Published-port windows of extra engines: portWindows windows of
// portWindowSize ports from portWindowBase, each reserved by a lock file.
const (
	portWindowBase  = 20000
	portWindowSize  = 100
	portWindows     = 120
	portWindowLocks = "/tmp/" + extraEnginePrefix + "-port-windows"
)

// reservePortWindow claims a free window (a lock file holding our pid; one
// whose process is gone is taken over), releases it when the test ends, and
// returns a file in the format of ip_local_port_range for it.
func (e *ExtraEngine) reservePortWindow() string {
	e.t.Helper()
	if err := os.MkdirAll(portWindowLocks, 0o755); err != nil {
		e.t.Fatal(err)
	}
	start, _ := rand.Int(rand.Reader, big.NewInt(portWindows))
	for i := range portWindows {
		n := (int(start.Int64()) + i) % portWindows
		lock := filepath.Join(portWindowLocks, fmt.Sprint(n))
		if pid := readPid(lock); pid > 0 && syscall.Kill(pid, 0) != nil {
			_ = os.Remove(lock) // its test process is gone
		}
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			continue
		}
		fmt.Fprintln(f, os.Getpid())
		f.Close()
		e.t.Cleanup(func() { _ = os.Remove(lock) })
		from := portWindowBase + n*portWindowSize
		rangeFile := filepath.Join(e.dir, "ip_local_port_range")
		if err := os.WriteFile(rangeFile, fmt.Appendf(nil, "%d\t%d\n", from, from+portWindowSize-1), 0o644); err != nil {
			e.t.Fatal(err)
		}
		return rangeFile
	}
	e.t.Fatalf("all %d published-port windows of extra engines are taken (%s)", portWindows, portWindowLocks)
	return ""
}

// engineBridges lists the bridges of the networks recorded in an extra
// engine's directory (Docker names them br-<first 12 characters of the id>).
func engineBridges(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "networks"))
	if err != nil {
		return nil
	}
	var bridges []string
	for id := range strings.FieldsSeq(string(data)) {
		if len(id) >= 12 {
			bridges = append(bridges, "br-"+id[:12])
		}
	}
	return bridges
}

// makeBridge creates the engine's bridge on a /24 that no route on the host
// uses yet.
func (e *ExtraEngine) makeBridge() {
	e.t.Helper()
	cidr, err := freeSubnet()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, args := range [][]string{
		{"link", "add", "name", e.bridge, "type", "bridge"},
		{"addr", "add", cidr, "dev", e.bridge},
		{"link", "set", e.bridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			e.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// freeSubnet picks 10.x.y.1/24 (x in 200-249) not overlapping any route.
func freeSubnet() (string, error) {
	out, err := exec.Command("ip", "-4", "route", "show").Output()
	if err != nil {
		return "", fmt.Errorf("listing routes (iproute2 needed): %w", err)
	}
	var used []*net.IPNet
	for line := range strings.SplitSeq(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if _, n, err := net.ParseCIDR(fields[0]); err == nil {
			used = append(used, n)
		}
	}
	for range 200 {
		x, _ := rand.Int(rand.Reader, big.NewInt(50))
		y, _ := rand.Int(rand.Reader, big.NewInt(256))
		candidate := &net.IPNet{IP: net.IPv4(10, byte(200+x.Int64()), byte(y.Int64()), 0).To4(), Mask: net.CIDRMask(24, 32)}
		clash := false
		for _, n := range used {
			if ones, _ := n.Mask.Size(); ones > 0 && (n.Contains(candidate.IP) || candidate.Contains(n.IP)) {
				clash = true
			}
		}
		if !clash {
			return fmt.Sprintf("10.%d.%d.1/24", candidate.IP[1], candidate.IP[2]), nil
		}
	}
	return "", errors.New("no free 10.200-249.x.0/24 subnet for an extra engine's bridge")
}

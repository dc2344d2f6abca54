// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Sweeping removes what interrupted test runs left behind. It only ever
// removes objects that carry the provider's ownership label AND whose
// workspace id (or, for networks, name) starts with a test prefix; anything
// else on the engine is never touched.

// SweepOptions selects what to sweep.
type SweepOptions struct {
	// Prefixes of workspace ids (default: IDPrefix).
	Prefixes []string
	// MinAge spares objects younger than this, so a sweep on a machine
	// where tests are running does not remove their workspaces.
	MinAge time.Duration
	// Log receives one line per removal (optional).
	Log func(format string, args ...any)
}

func (o SweepOptions) matches(workspaceID string) bool {
	prefixes := o.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{IDPrefix}
	}
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(workspaceID, p) {
			return true
		}
	}
	return false
}

func (o SweepOptions) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

func (o SweepOptions) oldEnough(created time.Time) bool {
	return o.MinAge <= 0 || time.Since(created) >= o.MinAge
}

// SweepWorkspaces force-removes test workspaces' containers, then their
// volumes (and volumes whose container is already gone). It returns the
// names it removed.
func SweepWorkspaces(ctx context.Context, cli *client.Client, o SweepOptions) ([]string, error) {
	owned := filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"))
	var removed []string
	var errs []error
	containers, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: owned})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	for _, c := range containers {
		wid := c.Labels[workspace.LabelWorkspaceID]
		if !workspace.IsOwned(c.Labels, "") || !o.matches(wid) || !o.oldEnough(time.Unix(c.Created, 0)) {
			continue
		}
		name := strings.TrimPrefix(strings.Join(c.Names, ","), "/")
		if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("removing container %s: %w", name, err))
			continue
		}
		o.logf("removed container %s (workspace %s)", name, wid)
		removed = append(removed, name)
	}
	volumes, err := cli.VolumeList(ctx, volume.ListOptions{Filters: owned})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("listing volumes: %w", err))...)
	}
	for _, v := range volumes.Volumes {
		wid := v.Labels[workspace.LabelWorkspaceID]
		if !workspace.IsOwned(v.Labels, "") || !o.matches(wid) || !o.oldEnough(parseDockerTime(v.CreatedAt)) {
			continue
		}
		if err := cli.VolumeRemove(ctx, v.Name, false); err != nil {
			errs = append(errs, fmt.Errorf("removing volume %s: %w", v.Name, err))
			continue
		}
		o.logf("removed volume %s (workspace %s)", v.Name, wid)
		removed = append(removed, v.Name)
	}
	return removed, errors.Join(errs...)
}

// SweepNetworks removes our networks whose name starts with one of the
// prefixes and that no container uses (the shared test network is kept
// while any test runs on it).
func SweepNetworks(ctx context.Context, cli *client.Client, namePrefixes []string, o SweepOptions) ([]string, error) {
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("label", workspace.LabelManaged+"=true"))})
	if err != nil {
		return nil, fmt.Errorf("listing networks: %w", err)
	}
	var removed []string
	var errs []error
	for _, n := range nets {
		if !workspace.IsOwned(n.Labels, "") || !hasAnyPrefix(n.Name, namePrefixes) || !o.oldEnough(n.Created) {
			continue
		}
		info, err := cli.NetworkInspect(ctx, n.ID, network.InspectOptions{})
		if err != nil || len(info.Containers) > 0 {
			continue
		}
		if err := cli.NetworkRemove(ctx, n.ID); err != nil {
			errs = append(errs, fmt.Errorf("removing network %s: %w", n.Name, err))
			continue
		}
		o.logf("removed network %s", n.Name)
		removed = append(removed, n.Name)
	}
	return removed, errors.Join(errs...)
}

// SweepExtraEngines removes what killed test runs left of extra engines
// (StartExtraEngine): temporary directories over two minutes old whose
// dockerd is gone, with their bridges, and bridges named like theirs that
// no remaining directory claims.
func SweepExtraEngines(log func(format string, args ...any)) error {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), extraEnginePrefix+"-*"))
	claimed := map[string]bool{}
	var errs []error
	for _, dir := range dirs {
		bridge := readTrimmed(filepath.Join(dir, "bridge"))
		info, err := os.Stat(dir)
		pid := readPid(filepath.Join(dir, "docker.pid"))
		alive := pid > 0 && syscall.Kill(pid, 0) == nil
		if err != nil || alive || time.Since(info.ModTime()) < 2*time.Minute {
			claimed[bridge] = true // running, or still starting
			continue
		}
		if mounts, err := os.ReadFile("/proc/mounts"); err == nil && strings.Contains(string(mounts), " "+dir+"/") {
			claimed[bridge] = true
			errs = append(errs, fmt.Errorf("%s still has mounts; left in place", dir))
			continue
		}
		for _, b := range engineBridges(dir) {
			if exec.Command("ip", "link", "delete", b).Run() == nil {
				log("removed leftover extra engine network bridge %s", b)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		log("removed leftover extra engine directory %s", dir)
	}
	out, err := exec.Command("ip", "-o", "link", "show", "type", "bridge").Output()
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("listing bridges: %w", err))...)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		name := strings.TrimSuffix(strings.SplitN(fields[1], "@", 2)[0], ":")
		if !strings.HasPrefix(name, extraEnginePrefix) || claimed[name] {
			continue
		}
		if err := exec.Command("ip", "link", "delete", name).Run(); err != nil {
			errs = append(errs, fmt.Errorf("deleting bridge %s: %w", name, err))
			continue
		}
		log("removed leftover extra engine bridge %s", name)
	}
	return errors.Join(errs...)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func readTrimmed(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func readPid(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var pid int
	if _, err := fmt.Sscan(string(data), &pid); err != nil {
		return 0
	}
	return pid
}

// parseDockerTime reads a volume's CreatedAt; unknown times count as old.
func parseDockerTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

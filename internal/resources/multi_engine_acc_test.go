// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // mirrors the example's placement rule, not security
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	dockernetwork "github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// secondEngineHost is the engine scripts/ensure-docker.sh --second runs.
const secondEngineHost = "unix:///var/run/molecule-docker2.sock"

var secondEngine struct {
	once sync.Once
	out  string
	err  error
}

// secondEngineClient starts (when it does not run yet) the second local engine
// with the stand-in images, through scripts/ensure-docker.sh --second
// --load-images (root; CI runs as root), and returns a client for it with
// the acceptance-test network in place. Failing to get it fails the test.
func secondEngineClient(t *testing.T) *client.Client {
	t.Helper()
	secondEngine.once.Do(func() {
		script := filepath.Join(acctest.RepoRoot(t), "scripts", "ensure-docker.sh")
		out, err := exec.Command(script, "--second", "--load-images").CombinedOutput()
		secondEngine.out, secondEngine.err = string(out), err
	})
	if secondEngine.err != nil {
		t.Fatalf("starting the second engine with scripts/ensure-docker.sh --second --load-images: %v\n%s", secondEngine.err, secondEngine.out)
	}
	cli, err := client.NewClientWithOpts(client.WithHost(secondEngineHost), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client for %s: %v", secondEngineHost, err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	ctx := context.Background()
	if _, err := cli.Ping(ctx); err != nil {
		t.Fatalf("the second engine at %s does not answer: %v\n%s", secondEngineHost, err, secondEngine.out)
	}
	if _, err := cli.ImageInspect(ctx, acctest.StandinImage("langgraph")); err != nil {
		t.Fatalf("stand-in image missing on the second engine: %v", err)
	}
	acctest.EnsureNetwork(t, cli, acctest.Network)
	return cli
}

// The examples/fleet-two-engines configuration as a user runs it: the
// terraform CLI, the provider built from this tree (dev_overrides), one
// provider alias per engine. It is not driven through terraform-plugin-testing:
// that serves every alias of a provider from one in-process server, so the
// aliases' configurations (and engines) would overwrite each other.
//
// Four workspaces, one pinned to each engine and two placed by the example's
// hash rule, must each run on their own engine only with the container ID
// recorded in state and serve; a container removed on the second engine
// outside Terraform must plan exactly one create and come back there; destroy
// must leave neither engine with a container, volume or network of the fleet.
func TestAccMultiEngine_fleetAcrossTwoEngines(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	engines := map[string]*client.Client{"a": acctest.Docker(t), "b": secondEngineClient(t)}

	fleet := map[string]string{} // workspace id -> engine
	workspaces := map[string]map[string]any{}
	for _, pin := range []string{"a", "b", "", ""} {
		id := acctest.RandomID("two" + pin)
		entry := map[string]any{"name": "two-engines"}
		fleet[id] = pin
		if pin == "" {
			fleet[id] = hashedEngine(id)
		} else {
			entry["engine"] = pin
		}
		workspaces[id] = entry
	}
	network := "tfacc-two-" + strings.TrimPrefix(acctest.RandomID(""), acctest.IDPrefix)[:7]
	images := map[string]string{}
	for _, rt := range workspace.KnownRuntimes() {
		images[rt] = acctest.StandinImage(rt)
	}

	t.Cleanup(func() { // runs after the destroy of DestroyOnCleanup
		for name, cli := range engines {
			if err := acctest.NothingLeft(cli, slices.Collect(maps.Keys(fleet))...); err != nil {
				t.Errorf("engine %s after destroy: %v", name, err)
			}
			if _, err := cli.NetworkInspect(context.Background(), network, dockernetwork.InspectOptions{}); !cerrdefs.IsNotFound(err) {
				t.Errorf("engine %s after destroy: network %s still there (err=%v)", name, network, err)
			}
		}
	})
	w := acctest.NewExampleWorkdir(t, "fleet-two-engines")
	w.WriteVars(map[string]any{
		"workspaces": workspaces, "network": network, "runtime_images": images,
		// Engine a is the one every other test uses (DOCKER_HOST, else the local socket).
		"engine_a_host": docker.ResolveHost(""), "engine_b_host": secondEngineHost,
	})
	w.DestroyOnCleanup()

	w.MustRun("apply", "-auto-approve", "-input=false")
	checkFleetOnEngines(t, w, engines, fleet)

	// Refresh asks each workspace's own engine: a container removed on the
	// second engine is re-created there, and nothing else changes.
	var removed string
	for id, e := range fleet {
		if e == "b" {
			removed = id
			break
		}
	}
	acctest.RemoveWorkspaceContainer(t, engines["b"], removed)
	r := w.Run("plan", "-input=false", "-detailed-exitcode", "-out=drift.tfplan")
	var exit *exec.ExitError
	if !errors.As(r.Err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("the plan after removing %s on engine b should exit 2 (changes): %s", removed, r)
	}
	changes := w.PlanChanges("drift.tfplan")
	want := fmt.Sprintf("molecule_workspace.b[%q]", removed)
	if len(changes) != 1 || changes[want] != "create" {
		t.Fatalf("the drift plan should only create %s, got %v", want, changes)
	}
	w.MustRun("apply", "-input=false", "drift.tfplan")
	checkFleetOnEngines(t, w, engines, fleet)

	w.MustRun("destroy", "-auto-approve", "-input=false")
	if left := w.StateInstances("molecule_workspace"); len(left) != 0 {
		t.Errorf("state still holds %d workspace(s) after destroy", len(left))
	}
}

// hashedEngine mirrors the example's placement rule: the first byte of the
// id's SHA-1, even for engine a.
func hashedEngine(id string) string {
	if sha1.Sum([]byte(id))[0]%2 == 0 {
		return "a"
	}
	return "b"
}

// checkFleetOnEngines checks each workspace through Docker on both engines:
// running on its own engine with the container ID in state, absent from the
// other, and its agent answering on the host URL in state.
func checkFleetOnEngines(t *testing.T, w *acctest.Workdir, engines map[string]*client.Client, fleet map[string]string) {
	t.Helper()
	instances := w.StateInstances("molecule_workspace")
	if len(instances) != len(fleet) {
		t.Fatalf("state holds %d workspaces, want %d", len(instances), len(fleet))
	}
	for _, in := range instances {
		id := in.String("workspace_id")
		on, ok := fleet[id]
		if !ok {
			t.Fatalf("unexpected workspace %s in state", id)
		}
		if want := fmt.Sprintf("molecule_workspace.%s[%q]", on, id); in.Address != want {
			t.Errorf("workspace %s is %s in state, want %s (its engine)", id, in.Address, want)
		}
		for name, cli := range engines {
			info, err := acctest.InspectContainer(cli, id)
			if name != on {
				if !cerrdefs.IsNotFound(err) {
					t.Errorf("workspace %s (engine %s) has a container on engine %s too (err=%v)", id, on, name, err)
				}
				continue
			}
			switch {
			case err != nil:
				t.Errorf("workspace %s on engine %s: %v", id, on, err)
			case info.State == nil || !info.State.Running:
				t.Errorf("workspace %s: container %s is not running on engine %s", id, info.Name, on)
			case !workspace.IsOwned(info.Config.Labels, id):
				t.Errorf("workspace %s: container %s lacks the ownership labels", id, info.Name)
			case in.String("container_id") != info.ID:
				t.Errorf("workspace %s: state records container %.12s, engine %s runs %.12s", id, in.String("container_id"), on, info.ID)
			}
		}
		url := in.String("host_url") + workspace.DefaultReadyPath
		if status, body, err := acctest.HTTPGet(url); err != nil || status != 200 {
			t.Errorf("workspace %s: GET %s = %d %v %.200s", id, url, status, err, body)
		}
	}
}

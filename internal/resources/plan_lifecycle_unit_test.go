// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// With image_pull = "always", a tag that moved to a new digest in the
// registry plans a replacement showing the old and the new digest; the
// apply pulls once and runs the new image.
func TestPlanImage_alwaysWithNewDigestReplaces(t *testing.T) {
	b := newUnitFake()
	id := "unitalwaysdigest"
	image := unitImage(workspace.DefaultRuntime)
	oldDigest, newDigest := fakebackend.Digest(workspace.DefaultRuntime+" v1"), fakebackend.Digest(workspace.DefaultRuntime+" v2")
	var oldImageID string
	cfg := unitConfig(id, `image_pull = "always"`)
	runUnit(t, b,
		resource.TestStep{Config: cfg, Check: checkFake(b, id, func(ws fakebackend.Workspace) error {
			oldImageID = ws.ImageID
			return nil
		})},
		resource.TestStep{
			PreConfig: func() {
				b.SetRegistryDigest(image, newDigest)
				b.ResetCalls()
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				expectReplacedBecauseOf(unitAddr, "image_digest"),
				acctest.ExpectPriorValue(unitAddr, "image_digest", oldDigest),
				expectPlanned("image_digest", knownvalue.StringExact(newDigest)),
				plancheck.ExpectUnknownValue(unitAddr, tfjsonpath.New("image_id")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(unitAddr, "image_digest", newDigest),
				expectCalls(b, "pull", 1),
				checkFake(b, id, func(ws fakebackend.Workspace) error {
					if ws.ImageID == oldImageID {
						return fmt.Errorf("still runs image %s", ws.ImageID)
					}
					return nil
				}),
			),
		},
	)
}

// With the default image_pull ("missing"), a moved tag changes nothing:
// the registry is not even asked.
func TestPlanImage_missingIgnoresTheRegistry(t *testing.T) {
	b := newUnitFake()
	id := "unitmissingdigest"
	runUnit(t, b,
		resource.TestStep{Config: unitConfig(id)},
		resource.TestStep{
			PreConfig: func() {
				b.SetRegistryDigest(unitImage(workspace.DefaultRuntime), fakebackend.Digest("moved"))
				b.ResetCalls()
			},
			Config: unitConfig(id),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
			Check: expectCalls(b, "RegistryDigest", 0),
		},
	)
}

// A workspace that crashes on start fails the apply with its exit code and
// logs, stays in state tainted, and the next apply replaces it.
func TestPlanLifecycle_crashTaintsAndReplaces(t *testing.T) {
	b := newUnitFake()
	id := "unitcrash"
	b.CrashOnStart(id, 3, false, "Traceback: no model configured")
	runUnit(t, b,
		resource.TestStep{
			Config:      unitConfig(id),
			ExpectError: acctest.MessageRegexp("Creating workspace "+id+" failed", "exit code 3", "no model configured", "tainted"),
		},
		resource.TestStep{
			Config: unitConfig(id),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(unitAddr, plancheck.ResourceActionReplace),
			}},
			Check: checkFake(b, id, func(ws fakebackend.Workspace) error {
				if ws.Status != workspace.StatusRunning {
					return fmt.Errorf("status %s after the replacement", ws.Status)
				}
				return nil
			}),
		},
	)
}

// Import by workspace id reads the workspace back into the same state the
// create recorded.
func TestPlanLifecycle_importByID(t *testing.T) {
	b := newUnitFake()
	id := "unitimport"
	cfg := unitConfig(id, `env = { A = "1" }`, `labels = { team = "unit" }`, "memory_mb = 300")
	runUnit(t, b,
		resource.TestStep{Config: cfg},
		resource.TestStep{
			Config:            cfg,
			ResourceName:      unitAddr,
			ImportState:       true,
			ImportStateId:     id,
			ImportStateVerify: true,
			// Not on the container: how long to wait, and whether the next
			// plan's timeouts differ.
			ImportStateVerifyIgnore: []string{"timeouts"},
		},
	)
}

// Import of an id with no workspace of ours fails and names the container.
func TestPlanLifecycle_importMissing(t *testing.T) {
	b := newUnitFake()
	runUnit(t, b, resource.TestStep{
		Config:        unitConfig("unitnothere"),
		ResourceName:  unitAddr,
		ImportState:   true,
		ImportStateId: "unitnothere",
		ExpectError:   acctest.MessageRegexp("Workspace not found", "ws-unitnothere"),
	})
}

// Destroy with keep_volumes removes the container and keeps its volumes;
// without it (every other test's final destroy) nothing is left.
func TestPlanLifecycle_destroyKeepsVolumes(t *testing.T) {
	b := newUnitFake()
	id := "unitkeepvolumes"
	runUnitChecking(t, b, func(*terraform.State) error {
		want := []string{workspace.ConfigVolumeName(id), workspace.WorkspaceVolumeName(id)}
		if c, v := b.Containers(), b.Volumes(); len(c) > 0 || !slices.Equal(v, want) {
			return fmt.Errorf("after destroy: containers %v, volumes %v; want none and %v", c, v, want)
		}
		if d := b.CallsOf("Delete"); len(d) != 1 || d[0].Target != id {
			return fmt.Errorf("Delete calls %v, want one for %s", d, id)
		}
		return nil
	}, resource.TestStep{Config: unitConfig(id, "keep_volumes = true")})
}

// A plan without changes writes nothing and costs each workspace of a
// fleet one call (the refresh's inspect: the config stamp spares reading
// the files back).
func TestPlanLifecycle_noChangePlanWritesNothing(t *testing.T) {
	b := newUnitFake()
	const fleet = 3
	cfg := unitProvider() + `resource "molecule_workspace" "fleet" {
  count        = ` + fmt.Sprint(fleet) + `
  workspace_id = "unitfleet${count.index}"
  config_files = { "config.yaml" = "name: fleet\n" }
}
`
	var ids []string
	for i := range fleet {
		ids = append(ids, fmt.Sprintf("unitfleet%d", i))
	}
	runUnit(t, b,
		resource.TestStep{Config: cfg},
		resource.TestStep{
			PreConfig: b.ResetCalls,
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				expectNoWrites(b, 1, ids...),
			}},
		},
	)
}

// A create the backend refuses records nothing: the apply fails, the
// state stays empty and the next apply creates the workspace.
func TestPlanLifecycle_failedCreateRecordsNothing(t *testing.T) {
	b := newUnitFake()
	id := "unitcreatefails"
	runUnit(t, b,
		resource.TestStep{
			PreConfig:   func() { b.FailNext("Create", errors.New("engine went away")) },
			Config:      unitConfig(id),
			ExpectError: acctest.MessageRegexp("Creating workspace "+id+" failed", "engine went away"),
		},
		resource.TestStep{
			PreConfig: b.ResetCalls,
			Config:    unitConfig(id),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(unitAddr, plancheck.ResourceActionCreate),
				// Nothing in state, so nothing to refresh.
				planCheck(func(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
					if calls := b.CallsOf("InspectFiles"); len(calls) > 0 {
						resp.Error = fmt.Errorf("the failed create left a record that was refreshed: %v", calls)
					}
				}),
			}},
		},
	)
}

// A refresh the backend cannot answer fails the plan naming the workspace,
// and keeps the workspace in state: the next plan finds it unchanged.
func TestPlanLifecycle_refreshErrorKeepsState(t *testing.T) {
	b := newUnitFake()
	id := "unitrefreshfails"
	runUnit(t, b,
		resource.TestStep{Config: unitConfig(id)},
		resource.TestStep{
			PreConfig:   func() { b.FailNext("InspectFiles", errors.New("engine went away")) },
			Config:      unitConfig(id),
			ExpectError: acctest.MessageRegexp("Reading workspace "+id+" failed", "engine went away"),
		},
		resource.TestStep{Config: unitConfig(id), PlanOnly: true},
	)
}

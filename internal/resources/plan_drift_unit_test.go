// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Drift: the workspace is created, changed behind Terraform's back on the
// fake, and the unchanged configuration then plans action with the drifted
// values read back; the apply puts the workspace back as configured (and
// the framework checks that the plan after it is empty).
func runDrift(t *testing.T, id string, drift func(*fakebackend.Backend), action plancheck.ResourceActionType, planChecks []plancheck.PlanCheck, check func(fakebackend.Workspace) error) {
	t.Helper()
	b := newUnitFake()
	runUnit(t, b,
		resource.TestStep{Config: unitConfig(id)},
		resource.TestStep{
			PreConfig: func() { drift(b) },
			Config:    unitConfig(id),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
				plancheck.ExpectResourceAction(unitAddr, action),
			}, planChecks...)},
			Check: checkFake(b, id, check),
		},
	)
}

// A container removed outside Terraform is created again, on the config
// volume that was left.
func TestPlanDrift_containerDeleted(t *testing.T) {
	id := "unitdriftgone"
	runDrift(t, id, func(b *fakebackend.Backend) { b.RemoveContainer(id) },
		plancheck.ResourceActionCreate, nil,
		func(ws fakebackend.Workspace) error {
			if ws.Status != workspace.StatusRunning {
				return fmt.Errorf("status %s after the re-create", ws.Status)
			}
			return nil
		})
}

// A stopped container reads running = false and is started in place.
func TestPlanDrift_stopped(t *testing.T) {
	id := "unitdriftstop"
	runDrift(t, id, func(b *fakebackend.Backend) { b.Stop(id) },
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{
			acctest.ExpectPriorValue(unitAddr, "running", false),
			acctest.ExpectPriorValue(unitAddr, "status", workspace.StatusExited),
		},
		func(ws fakebackend.Workspace) error {
			if ws.Status != workspace.StatusRunning {
				return fmt.Errorf("status %s, want running again", ws.Status)
			}
			return nil
		})
}

// Limits changed outside are read back and put back in place.
func TestPlanDrift_limitsChanged(t *testing.T) {
	id := "unitdriftlimits"
	limits := workspace.TierDefaults(workspace.DefaultTier)
	runDrift(t, id, func(b *fakebackend.Backend) { b.SetLimits(id, 128, 0.25) },
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{
			acctest.ExpectPriorValue(unitAddr, "memory_mb", 128.0),
			acctest.ExpectPriorValue(unitAddr, "cpus", 0.25),
		},
		func(ws fakebackend.Workspace) error {
			if ws.MemoryMB != limits.MemoryMB || ws.CPUs != limits.CPUs {
				return fmt.Errorf("limits %d MiB %g CPU, want the tier's back", ws.MemoryMB, ws.CPUs)
			}
			return nil
		})
}

// A managed config file rewritten outside shows as a changed hash and is
// written back in place.
func TestPlanDrift_configFileChanged(t *testing.T) {
	id := "unitdriftfiles"
	want := workspace.HashContent([]byte(minimalConfig(id)))
	runDrift(t, id, func(b *fakebackend.Backend) { b.WriteConfigFile(id, "config.yaml", "name: edited by hand\n") },
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{
			expectPriorMapValue(unitAddr, "config_sha256", "config.yaml", workspace.HashContent([]byte("name: edited by hand\n"))),
		},
		func(ws fakebackend.Workspace) error {
			if ws.Files["config.yaml"] != want {
				return fmt.Errorf("config.yaml hash %s, want %s", ws.Files["config.yaml"], want)
			}
			return nil
		})
}

// A managed config file deleted outside drops out of the hashes and is
// written back.
func TestPlanDrift_configFileDeleted(t *testing.T) {
	id := "unitdriftfilegone"
	runDrift(t, id, func(b *fakebackend.Backend) { b.DeleteConfigFile(id, "config.yaml") },
		plancheck.ResourceActionUpdate,
		[]plancheck.PlanCheck{expectPriorMapValue(unitAddr, "config_sha256", "config.yaml", nil)},
		func(ws fakebackend.Workspace) error {
			if ws.Files["config.yaml"] == "" {
				return fmt.Errorf("config.yaml not written back: %v", ws.Files)
			}
			return nil
		})
}

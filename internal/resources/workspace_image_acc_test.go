// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

// An image rebuilt under the same tag (a new image ID) replaces the
// workspace, and the plan shows the old and the new ID.
func TestAccWorkspace_imageRebuiltUnderSameTagReplaces(t *testing.T) {
	id := acctest.RandomID("rebuild")
	cli := acctest.Docker(t)
	tag := "rebuild-" + strings.TrimPrefix(id, acctest.IDPrefix)[:7]
	ref := acctest.VariantImagePrefix + ":" + tag
	cfg := acctest.ProviderConfig() + fmt.Sprintf("resource \"molecule_workspace\" \"test\" {\n  workspace_id = %q\n  image = %q\n  config_files = { \"config.yaml\" = %q }\n}\n",
		id, ref, acctest.MinimalConfigYAML("rebuild"))
	var oldID, newID string
	const addr = "molecule_workspace.test"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { oldID = acctest.BuildVariantImage(t, cli, tag, "first") },
				Config:    cfg,
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error { return resource.TestCheckResourceAttr(addr, "image_id", oldID)(s) },
					expectContainerImage(cli, id, &oldID),
				),
			},
			{
				PreConfig: func() {
					newID = acctest.BuildVariantImage(t, cli, tag, "second")
					if newID == oldID {
						t.Fatalf("the rebuild kept image ID %s", oldID)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						expectPlannedImageIDs(addr, &oldID, &newID),
					},
				},
				Check: resource.ComposeTestCheckFunc(
					expectContainerImage(cli, id, &newID),
					acctest.ExpectServing(cli, id),
				),
			},
		},
	})
}

// expectPlannedImageIDs checks the plan's image_id: old before, new after.
// The IDs are read when the check runs (they are known only after PreConfig).
func expectPlannedImageIDs(addr string, oldID, newID *string) plancheck.PlanCheck {
	return lazyPlanCheck(func() []plancheck.PlanCheck {
		return []plancheck.PlanCheck{
			acctest.ExpectPriorValue(addr, "image_id", *oldID),
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("image_id"), knownvalue.StringExact(*newID)),
		}
	})
}

// expectContainerImage checks, through Docker, the image the container runs.
func expectContainerImage(cli *client.Client, id string, want *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		info, err := acctest.InspectContainer(cli, id)
		if err != nil {
			return err
		}
		if info.Image != *want {
			return fmt.Errorf("container of %s runs image %s, want %s", id, info.Image, *want)
		}
		return nil
	}
}

// Env and labels are read back, only the keys Terraform manages: a managed
// value changed outside (the container recreated with another value) shows
// the observed value and replaces the container; keys added by others do not
// show at all.
func TestAccWorkspace_envAndLabelsChangedOutside(t *testing.T) {
	id := acctest.RandomID("envdrift")
	cli := acctest.Docker(t)
	const addr = "molecule_workspace.test"
	cfg := acctest.ProviderConfig() + fmt.Sprintf(`
resource "molecule_workspace" "test" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
  env          = { MODE = "fast", API_KEY = "k-1" }
  labels       = { team = "blue" }
}
`, id, acctest.MinimalConfigYAML("envdrift"))
	replace := func(attr string, observed any) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
			acctest.ExpectPriorValue(addr, attr, observed),
		}}
	}
	restored := resource.ComposeTestCheckFunc(
		expectContainerEnv(cli, id, "MODE=fast", "API_KEY=k-1"),
		expectContainerLabel(cli, id, "team", "blue"),
		func(*terraform.State) error {
			status, body, err := acctest.AgentGet(cli, id, "/env?key=MODE")
			if err != nil || status != 200 || body != "fast" {
				return fmt.Errorf("the agent should see MODE=fast: status %d, %v, %q", status, err, body)
			}
			return nil
		},
	)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{Config: cfg, Check: restored},
			{
				PreConfig:        func() { acctest.RecreateWorkspaceContainer(t, cli, id, acctest.WithEnv("MODE", "slow")) },
				Config:           cfg,
				ConfigPlanChecks: replace("env", map[string]any{"MODE": "slow", "API_KEY": "k-1"}),
				Check:            restored,
			},
			{
				PreConfig:        func() { acctest.RecreateWorkspaceContainer(t, cli, id, withLabel("team", "red")) },
				Config:           cfg,
				ConfigPlanChecks: replace("labels", map[string]any{"team": "red"}),
				Check:            restored,
			},
			{
				// Keys Terraform does not manage are not drift.
				PreConfig: func() {
					acctest.RecreateWorkspaceContainer(t, cli, id, func(c *container.Config, h *container.HostConfig) {
						acctest.WithEnv("ADDED_BY_OPS", "1")(c, h)
						withLabel("owner", "ops")(c, h)
					})
				},
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}

func withLabel(key, value string) func(*container.Config, *container.HostConfig) {
	return func(c *container.Config, _ *container.HostConfig) { c.Labels[key] = value }
}

func expectContainerEnv(cli *client.Client, id string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		info, err := acctest.InspectContainer(cli, id)
		if err != nil {
			return err
		}
		for _, kv := range want {
			if !slices.Contains(info.Config.Env, kv) {
				return fmt.Errorf("container of %s lacks %s in its environment", id, kv)
			}
		}
		return nil
	}
}

func expectContainerLabel(cli *client.Client, id, key, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		info, err := acctest.InspectContainer(cli, id)
		if err != nil {
			return err
		}
		if got := info.Config.Labels[key]; got != want {
			return fmt.Errorf("container of %s has label %s=%q, want %q", id, key, got, want)
		}
		return nil
	}
}

// lazyPlanCheck runs checks built when the plan is checked, for values that
// are known only once the step's PreConfig ran.
type lazyPlanCheck func() []plancheck.PlanCheck

func (l lazyPlanCheck) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, c := range l() {
		if c.CheckPlan(ctx, req, resp); resp.Error != nil {
			return
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/fakebackend"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provider"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The TestPlan* tests run real Terraform (TF_ACC_TERRAFORM_PATH, else
// terraform on PATH) against the real provider whose workspaces live on a
// fake backend (internal/fakebackend): no engine, so they are unit tests
// (resource.UnitTest runs them without TF_ACC).

const (
	unitAddr     = "molecule_workspace.test"
	unitNetwork  = "unit-net"
	unitRegistry = "registry.unit.test/molecule"
)

// unitImage is the default image of a runtime under unitRegistry.
func unitImage(runtime string) string { return workspace.DefaultImage(unitRegistry, runtime) }

// newUnitFake returns a fake holding the network and, for each runtime, its
// default image both locally and in the registry (same digest).
func newUnitFake(runtimes ...string) *fakebackend.Backend {
	b := fakebackend.New()
	b.AddNetwork(unitNetwork)
	for _, rt := range append([]string{workspace.DefaultRuntime}, runtimes...) {
		digest := fakebackend.Digest(rt + " v1")
		b.AddImage(unitImage(rt), digest)
		b.SetRegistryDigest(unitImage(rt), digest)
	}
	return b
}

// unitFactories serves the provider with every workspace on b.
func unitFactories(b workspace.Backend) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"molecule": providerserver.NewProtocol6WithError(provider.NewWithBackend("unit", b)()),
	}
}

// unitProvider is a provider block for the fake, plus extra lines.
func unitProvider(extra ...string) string {
	lines := append([]string{fmt.Sprintf("network = %q", unitNetwork), fmt.Sprintf("image_registry = %q", unitRegistry)}, extra...)
	return "provider \"molecule\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
}

// unitConfig is unitProvider() plus molecule_workspace.test with a
// config.yaml and the given lines.
func unitConfig(id string, lines ...string) string {
	return unitProvider() + workspaceHCL("test", id, append([]string{configYAMLLine(id)}, lines...)...)
}

// runUnit runs steps against b in parallel with the other TestPlan* tests,
// and checks at the end that destroy left nothing on b.
func runUnit(t *testing.T, b *fakebackend.Backend, steps ...resource.TestStep) {
	t.Helper()
	runUnitChecking(t, b, fakeHoldsNothing(b), steps...)
}

// runUnitChecking is runUnit with another check after the final destroy.
func runUnitChecking(t *testing.T, b *fakebackend.Backend, checkDestroy func(*terraform.State) error, steps ...resource.TestStep) {
	t.Helper()
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: unitFactories(b),
		CheckDestroy:             checkDestroy,
		Steps:                    steps,
	})
}

// fakeHoldsNothing checks that no container or volume is left on b.
func fakeHoldsNothing(b *fakebackend.Backend) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if c, v := b.Containers(), b.Volumes(); len(c)+len(v) > 0 {
			return fmt.Errorf("left on the backend: containers %v, volumes %v", c, v)
		}
		return nil
	}
}

// checkFake runs check on the fake's workspace id, which must exist.
func checkFake(b *fakebackend.Backend, id string, check func(fakebackend.Workspace) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ws, ok := b.Workspace(id)
		if !ok {
			return fmt.Errorf("workspace %s does not exist on the fake backend", id)
		}
		return check(ws)
	}
}

// rememberContainer stores the workspace's container ID in *into.
func rememberContainer(b *fakebackend.Backend, id string, into *string) resource.TestCheckFunc {
	return checkFake(b, id, func(ws fakebackend.Workspace) error {
		*into = ws.ContainerID
		return nil
	})
}

// expectContainerKept checks that the workspace still runs in the container
// remembered (updated in place), or, with same false, in another one.
func expectContainerKept(b *fakebackend.Backend, id string, remembered *string, same bool) resource.TestCheckFunc {
	return checkFake(b, id, func(ws fakebackend.Workspace) error {
		if (ws.ContainerID == *remembered) != same {
			return fmt.Errorf("container %.12s after apply, %.12s before: want same=%t", ws.ContainerID, *remembered, same)
		}
		return nil
	})
}

// planCheck adapts a function to plancheck.PlanCheck.
type planCheck func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheck) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// expectReplacedBecauseOf checks that the plan replaces address and names
// exactly the given attributes as the reasons.
func expectReplacedBecauseOf(address string, attributes ...string) plancheck.PlanCheck {
	return planCheck(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != address {
				continue
			}
			var got []string
			for _, p := range rc.Change.ReplacePaths {
				parts, _ := p.([]any)
				if len(parts) > 0 {
					got = append(got, fmt.Sprint(parts[0]))
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(attributes))
			if !rc.Change.Actions.Replace() || !slices.Equal(got, want) {
				resp.Error = fmt.Errorf("%s: actions %v replacing because of %v, want a replacement because of %v", address, rc.Change.Actions, got, want)
			}
			return
		}
		resp.Error = fmt.Errorf("%s is not in the plan", address)
	})
}

// expectNoWrites checks, at plan time, that nothing was written on b since
// its calls were last reset, and that no workspace got more than max calls.
func expectNoWrites(b *fakebackend.Backend, maxPerWorkspace int, ids ...string) plancheck.PlanCheck {
	return planCheck(func(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		if w := b.Writes(); len(w) > 0 {
			resp.Error = fmt.Errorf("a plan without changes wrote on the backend: %v", w)
			return
		}
		for _, id := range ids {
			if calls := b.CallsFor(id); len(calls) > maxPerWorkspace || len(calls) == 0 {
				resp.Error = fmt.Errorf("workspace %s: %d calls in one plan, want 1-%d: %v", id, len(calls), maxPerWorkspace, calls)
				return
			}
		}
	})
}

// expectPriorMapValue checks one key of a map attribute as refreshed before
// the planned change; want nil means the key is absent.
func expectPriorMapValue(address, attribute, key string, want any) plancheck.PlanCheck {
	return planCheck(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != address {
				continue
			}
			before, _ := rc.Change.Before.(map[string]any)
			m, _ := before[attribute].(map[string]any)
			if got, ok := m[key]; (want == nil && ok) || (want != nil && got != want) {
				resp.Error = fmt.Errorf("%s.%s[%q] read %v before the change, want %v", address, attribute, key, got, want)
			}
			return
		}
		resp.Error = fmt.Errorf("%s is not in the plan", address)
	})
}

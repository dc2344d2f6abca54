// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// platformLookTimeout bounds the plan-time look at a workspace's platform
// record: an unreachable platform must not hold the plan up.
const platformLookTimeout = 5 * time.Second

// checkPlatformView reads the workspace's platform record (one unauthenticated
// GET, only when the provider has a platform API URL) and warns about what
// the platform will do to the container. Never an error: an unreachable
// platform leaves the Docker work to go on.
func (p *planner) checkPlatformView() {
	m, c := p.plan, p.r.data.Platform
	id := m.WorkspaceID.ValueString()
	wired := !p.config.PlatformTokenWOVer.IsNull()
	if c == nil || m.WorkspaceID.IsUnknown() {
		if m.KeepVolumes.ValueBool() && wired {
			p.warnKeptVolumes()
		}
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, platformLookTimeout)
	defer cancel()
	rec, err := c.Get(ctx, id)
	name := fmt.Sprintf("workspace %s (container %s)", id, workspace.ContainerName(id))
	at := path.Root("workspace_id")
	switch {
	case errors.Is(err, platform.ErrNotFound):
		agentsURL := p.config.PlatformURL.ValueString()
		if p.config.PlatformURL.IsNull() {
			agentsURL = p.r.data.PlatformURL
		}
		if agentsURL != "" {
			p.resp.Diagnostics.AddAttributeWarning(at, "Workspace unknown to the platform",
				fmt.Sprintf("the platform at %s has no record of %s, but platform_url is set: its runtime will register itself at start, and the platform will then treat it as one of its own Docker workspaces, force-removing the container whenever it stops (running = false included) or misses heartbeats for 180 s. Declare a molecule_platform_workspace and give its id and auth_token to this workspace (see the guide \"Running next to the Molecule platform\").", c.BaseURL(), name))
		}
		if m.KeepVolumes.ValueBool() && wired {
			p.warnKeptVolumes()
		}
		return
	case err != nil:
		p.resp.Diagnostics.AddWarning("Molecule platform unreachable",
			fmt.Sprintf("could not read the platform record of %s: %v. The Docker work goes on; what the platform does with the workspace is unchecked.", name, err))
		return
	}
	switch {
	case rec.Gone():
		p.resp.Diagnostics.AddAttributeWarning(at, "Platform record deleted",
			fmt.Sprintf("the platform at %s deleted %s (status removed): its orphan sweeper force-removes a container of that name every minute. Re-create the record (molecule_platform_workspace) and use its new id.", c.BaseURL(), name))
	case !rec.External() && !p.adopting: // the adoption's apply switches it to external
		p.resp.Diagnostics.AddAttributeWarning(at, "The platform manages this workspace",
			fmt.Sprintf("the platform at %s holds %s with runtime %q, not external: it force-removes the container whenever it stops (running = false included), crashes or misses heartbeats for 180 s, and starts its own. Manage the record with molecule_platform_workspace (created external), or adopt a platform-made workspace with an import id platform:%s.", c.BaseURL(), name, rec.Runtime, id))
	}
	if rec.Status == platform.StatusFailed || rec.Status == platform.StatusOffline {
		p.resp.Diagnostics.AddAttributeWarning(at, "Platform reports the workspace "+rec.Status,
			fmt.Sprintf("the platform at %s reports %s as %s: the agent has not registered or heartbeated lately. Check that it reaches the platform at its platform_url and holds a valid /configs/%s.", c.BaseURL(), name, rec.Status, workspace.AuthTokenFile))
	}
	if m.KeepVolumes.ValueBool() && !rec.Gone() {
		p.warnKeptVolumes()
	}
}

func (p *planner) warnKeptVolumes() {
	id := p.plan.WorkspaceID.ValueString()
	short := workspace.ContainerName(id)
	if p.plan.WorkspaceID.IsUnknown() {
		short = "ws-<id12>"
	}
	p.resp.Diagnostics.AddAttributeWarning(path.Root("keep_volumes"), "Kept volumes go with the platform record",
		fmt.Sprintf("keep_volumes = true keeps the volumes when Terraform destroys workspace %s, but deleting its platform record (molecule_platform_workspace, or the platform's own delete) force-removes the volumes %s-configs and %s-claude-sessions on the platform's engine anyway.", p.plan.WorkspaceID.ValueString(), short, short))
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// pullPolicy is the workspace's image_pull, else the provider's.
func (p *planner) pullPolicy() string {
	if v := p.config.ImagePull.ValueString(); v != "" {
		return v
	}
	return p.r.data.ImagePull
}

// planImage plans image_id and image_digest from what the engine has and,
// when the policy needs it, what the registry serves now. The registry is
// asked only when the image is missing ("missing") or on every plan
// ("always"), once per distinct image per run; a wrong name, a refused
// login or an unreachable registry fails the plan here.
func (p *planner) planImage() {
	m, e := p.plan, p.r.data.Backend
	if m.Image.IsUnknown() || p.config.ImagePull.IsUnknown() {
		m.ImageID, m.ImageDigest = types.StringUnknown(), types.StringUnknown()
		return
	}
	if m.Image.ValueString() == "" {
		return
	}
	at := path.Root("image")
	if p.config.Image.IsNull() {
		at = path.Root("runtime")
	}
	ref, err := workspace.ParseImageRef(m.Image.ValueString())
	if err != nil {
		p.resp.Diagnostics.AddAttributeError(at, "Invalid image reference", err.Error())
		return
	}
	policy := p.pullPolicy()
	id, localDigest, err := e.LocalDigest(p.ctx, ref)
	var missing *workspace.MissingImageError
	present := err == nil
	if err != nil && !errors.As(err, &missing) {
		p.resp.Diagnostics.AddError("Docker engine error", err.Error())
		return
	}
	if ref.Pinned() {
		localDigest = ref.Digest()
	} else if present && p.state != nil && p.state.ImageID.ValueString() == id {
		// The same image as recorded: its digest stays what was recorded,
		// even if its repo digest was untagged on the engine since.
		localDigest = p.state.ImageDigest.ValueString()
	}
	switch {
	case policy == workspace.PullNever:
		if !present {
			p.resp.Diagnostics.AddAttributeError(at, "Image not found", missingImageDetail(missing))
			return
		}
		m.ImageID, m.ImageDigest = types.StringValue(id), types.StringValue(localDigest)
	case present && (policy == workspace.PullMissing || ref.Pinned()):
		m.ImageID, m.ImageDigest = types.StringValue(id), types.StringValue(localDigest)
	default:
		digest, err := e.RegistryDigest(p.ctx, ref)
		var regErr *workspace.RegistryError
		if err != nil && present && p.state != nil && errors.As(err, &regErr) && regErr.Problem == workspace.RegistryUnreachable {
			// A workspace that runs: an outage of its registry must not
			// block every plan (or a destroy). It keeps its image until the
			// registry answers again.
			p.resp.Diagnostics.AddAttributeWarning(at, "Image registry unreachable: workspace keeps its image", registryErrorDetail(regErr))
			m.ImageID, m.ImageDigest = types.StringValue(id), p.state.ImageDigest
			return
		}
		if err != nil {
			p.addRegistryError(at, err)
			return
		}
		m.ImageDigest = types.StringValue(digest)
		m.ImageID = types.StringUnknown() // the pull at apply decides
		if present && localDigest == digest {
			m.ImageID = types.StringValue(id)
		} else if id, err := e.ImageID(p.ctx, ref.RepoDigestRef(digest)); err == nil {
			m.ImageID = types.StringValue(id) // pulled before, the tag moved on
		}
	}
}

func (p *planner) addRegistryError(at path.Path, err error) {
	var r *workspace.RegistryError
	if errors.As(err, &r) {
		p.resp.Diagnostics.AddAttributeError(at, "Image registry: "+string(r.Problem), registryErrorDetail(r))
		return
	}
	p.resp.Diagnostics.AddAttributeError(at, "Image registry error", err.Error())
}

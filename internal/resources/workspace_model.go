// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// workspaceModel is molecule_workspace's state and plan.
type workspaceModel struct {
	// What the engine shows, mapped as for the data sources (id, name,
	// runtime, tier, image, limits, network, workspace mount, labels,
	// status...); applyObserved then applies the resource's own read-back
	// rules.
	observedSummary
	observedDetails

	ID                 types.String   `tfsdk:"id"`
	ImagePull          types.String   `tfsdk:"image_pull"`
	TemplatePath       types.String   `tfsdk:"template_path"`
	ConfigFiles        types.Map      `tfsdk:"config_files"`
	Env                types.Map      `tfsdk:"env"`
	SecretEnvWO        types.Map      `tfsdk:"secret_env_wo"`
	SecretEnvWOVersion types.Int64    `tfsdk:"secret_env_wo_version"`
	PlatformTokenWO    types.String   `tfsdk:"platform_token_wo"`
	PlatformTokenWOVer types.Int64    `tfsdk:"platform_token_wo_version"`
	AwarenessURL       types.String   `tfsdk:"awareness_url"`
	AwarenessNamespace types.String   `tfsdk:"awareness_namespace"`
	KeepVolumes        types.Bool     `tfsdk:"keep_volumes"`
	WaitForReady       types.Bool     `tfsdk:"wait_for_ready"`
	ReadyPath          types.String   `tfsdk:"ready_path"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
	ConfigSHA256       types.Map      `tfsdk:"config_sha256"`
}

// stringMap reads a map attribute; null and unknown read as empty.
func stringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// mapValue builds a map attribute; an empty map is null when keepNull is set,
// so an omitted attribute reads back as omitted.
func mapValue(m map[string]string, keepNull bool) types.Map {
	if len(m) == 0 && keepNull {
		return types.MapNull(types.StringType)
	}
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

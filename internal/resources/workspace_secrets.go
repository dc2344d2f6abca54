// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provisioner"
)

// minMaskedLength keeps masking from blanking every "1" or "true" in the
// logs: values this short are not credentials.
const minMaskedLength = 4

// secretEnvFromConfig reads secret_env_wo, which only the configuration holds
// (write-only values are null in plan and state).
func secretEnvFromConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) map[string]string {
	var secrets types.Map
	diags.Append(config.GetAttribute(ctx, path.Root("secret_env_wo"), &secrets)...)
	return stringMap(ctx, secrets, diags)
}

// maskSecrets makes the provider's own log calls on ctx replace env and
// secret env values with "***", in messages and fields alike. The provider
// never logs them; this guards against a future log line or an error text
// that would.
func maskSecrets(ctx context.Context, s provisioner.WorkspaceSpec) context.Context {
	var values []string
	for _, v := range slices.Concat(slices.Collect(maps.Values(s.Env)), slices.Collect(maps.Values(s.SecretEnv))) {
		if len(v) >= minMaskedLength {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, values...)
	return tflog.MaskAllFieldValuesStrings(ctx, values...)
}

// validateSecretEnv checks what the attribute validators cannot see alone:
// secret keys must not repeat env keys (the container would get one of the
// two values).
func validateSecretEnv(ctx context.Context, cfg workspaceModel, diags *diag.Diagnostics) {
	if cfg.SecretEnvWO.IsNull() || cfg.SecretEnvWO.IsUnknown() || cfg.Env.IsUnknown() {
		return
	}
	var both []string
	env := stringMap(ctx, cfg.Env, diags)
	for key := range cfg.SecretEnvWO.Elements() {
		if _, ok := env[key]; ok {
			both = append(both, key)
		}
	}
	if len(both) > 0 {
		slices.Sort(both)
		diags.AddAttributeError(path.Root("secret_env_wo"), "Key in env and secret_env_wo",
			fmt.Sprintf("%s set in both env and secret_env_wo: keep each variable in one of them (secret_env_wo keeps it out of the state).", strings.Join(both, ", ")))
	}
}

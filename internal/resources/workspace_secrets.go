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
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
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

// platformTokenFromConfig reads platform_token_wo from the configuration
// (write-only values are null in plan and state).
func platformTokenFromConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) string {
	var token types.String
	diags.Append(config.GetAttribute(ctx, path.Root("platform_token_wo"), &token)...)
	return token.ValueString()
}

// validatePlatformToken: a token needs a version, or a new token could never
// be rolled out.
func validatePlatformToken(cfg workspaceModel, diags *diag.Diagnostics) {
	if !cfg.PlatformTokenWO.IsNull() && cfg.PlatformTokenWOVer.IsNull() {
		diags.AddAttributeError(path.Root("platform_token_wo_version"), "platform_token_wo needs a version",
			"set platform_token_wo_version (any integer, e.g. 1) together with platform_token_wo, and change it whenever the token changes: write-only values are not stored, so the version is how Terraform notices a new token and replaces the container.")
	}
}

// maskSecrets makes the provider's own log calls on ctx replace env and
// secret env values with "***", in messages and fields alike. The provider
// never logs them; this guards against a future log line or an error text
// that would.
func maskSecrets(ctx context.Context, s workspace.WorkspaceSpec) context.Context {
	var values []string
	for _, v := range slices.Concat(slices.Collect(maps.Values(s.Env)), slices.Collect(maps.Values(s.SecretEnv)), []string{s.PlatformToken}) {
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

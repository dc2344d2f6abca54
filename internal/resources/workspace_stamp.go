// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// configStampKey is the private-state key holding the stamp of the managed
// config files when their hashes were last read or written (see
// Backend.InspectFiles): a refresh that finds the same stamp keeps the
// hashes in state instead of reading /configs back.
const configStampKey = "config_stamp"

// privateState is the part of the framework's private state used here.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateStateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// recordedConfigStamp returns the stamp in private state, "" when none.
func recordedConfigStamp(ctx context.Context, private privateState) string {
	raw, diags := private.GetKey(ctx, configStampKey)
	var stamp string
	if diags.HasError() || len(raw) == 0 || json.Unmarshal(raw, &stamp) != nil {
		return "" // unreadable: the files are read back, which is always safe
	}
	return stamp
}

// recordConfigStamp saves the stamp observed with the hashes now in state.
func recordConfigStamp(ctx context.Context, private privateStateWriter, stamp string, diags *diag.Diagnostics) {
	raw, _ := json.Marshal(stamp)
	diags.Append(private.SetKey(ctx, configStampKey, raw)...)
}

// managedConfigPaths are the /configs files whose hashes state records,
// config.yaml always among them (see readBackHashes).
func managedConfigPaths(ctx context.Context, hashes types.Map, diags *diag.Diagnostics) []string {
	paths := stringMap(ctx, hashes, diags)
	paths["config.yaml"] = ""
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

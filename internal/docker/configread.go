// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ReadConfigFiles returns the files under a container's /configs as
// relative path -> content, the way config_files holds them: what import
// writes into state so that a generated configuration reproduces /configs.
// Left out: .auth_token (a credential, never in state), symlinks and
// directories (config_files cannot express them), and files config_files
// would refuse (bad paths, over the size limit, not UTF-8, invalid YAML/JSON
// text).
func (e *Engine) ReadConfigFiles(ctx context.Context, containerID string) (map[string]string, error) {
	rc, _, err := e.cli.CopyFromContainer(ctx, containerID, "/configs")
	if cerrdefs.IsNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading /configs of container %.12s on %s: %w", containerID, e.host, err)
	}
	defer rc.Close()
	return workspace.ConfigFilesFromArchive(rc)
}

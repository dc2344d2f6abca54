// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	cerrdefs "github.com/containerd/errdefs"
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
	return ConfigFilesFromArchive(rc)
}

// ConfigFilesFromArchive reads a Docker archive of /configs (entries under
// "configs/"); see ReadConfigFiles for what is left out.
func ConfigFilesFromArchive(r io.Reader) (map[string]string, error) {
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive of /configs: %w", err)
		}
		rel, ok := strings.CutPrefix(hdr.Name, "configs/")
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		rel = path.Clean(rel)
		if rel == AuthTokenFile || hdr.Size > MaxConfigFileBytes || ValidateConfigFileKey(rel) != nil {
			continue
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading %q from the archive of /configs: %w", rel, err)
		}
		if !utf8.Valid(content) || ValidateConfigFileContent(rel, string(content)) != nil {
			continue
		}
		files[rel] = string(content)
	}
}

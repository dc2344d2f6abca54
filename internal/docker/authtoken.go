// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"archive/tar"
	"bytes"
	"context"

	"github.com/docker/docker/api/types/container"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// authTokenArchive is a tar stream holding only .auth_token.
func authTokenArchive(token string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: workspace.AuthTokenFile, Mode: workspace.AuthTokenMode, Uid: workspace.ConfigOwnerUID, Gid: workspace.ConfigOwnerGID,
		ModTime: workspace.ConfigArchiveModTime, Typeflag: tar.TypeReg, Size: int64(len(token))}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(token)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAuthToken copies the token into the (not yet started) container's /configs.
func (e *Engine) writeAuthToken(ctx context.Context, containerID, token string) error {
	archive, err := authTokenArchive(token)
	if err != nil {
		return err
	}
	return e.cli.CopyToContainer(ctx, containerID, "/configs", bytes.NewReader(archive), container.CopyToContainerOptions{})
}

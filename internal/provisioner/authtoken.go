// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provisioner

import (
	"archive/tar"
	"bytes"
	"context"

	"github.com/docker/docker/api/types/container"
)

// AuthTokenFile is where the runtime reads its platform token, relative to
// /configs. It is written apart from the config files, so its content never
// enters their hashes (and so never the state), and import skips it.
const AuthTokenFile = ".auth_token"

// authTokenMode: the token is readable by the agent user only.
const authTokenMode = 0o600

// authTokenArchive is a tar stream holding only .auth_token.
func authTokenArchive(token string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: AuthTokenFile, Mode: authTokenMode, Uid: ConfigOwnerUID, Gid: ConfigOwnerGID,
		ModTime: configArchiveModTime, Typeflag: tar.TypeReg, Size: int64(len(token))}
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

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// ConfigEntry is one entry of a workspace's /configs, as Docker's archive
// API returns it.
type ConfigEntry struct {
	Type     byte // tar.TypeReg, tar.TypeDir, tar.TypeSymlink...
	Mode     int64
	UID, GID int
	Linkname string
	Content  []byte
}

// ReadConfigs returns every entry below the workspace's /configs by path
// relative to it. It uses the archive API, so it works on stopped containers
// and needs nothing inside the image.
func ReadConfigs(cli *client.Client, workspaceID string) (map[string]ConfigEntry, error) {
	rc, _, err := cli.CopyFromContainer(context.Background(), workspace.ContainerName(workspaceID), "/configs")
	if err != nil {
		return nil, fmt.Errorf("reading /configs of workspace %s: %w", workspaceID, err)
	}
	defer rc.Close()
	entries := map[string]ConfigEntry{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "configs/"), "/")
		if rel == "" || rel == "configs" {
			continue
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		entries[rel] = ConfigEntry{Type: hdr.Typeflag, Mode: hdr.Mode & 0o7777, UID: hdr.Uid, GID: hdr.Gid, Linkname: hdr.Linkname, Content: content}
	}
}

// WriteConfigFile puts content at /configs/rel of the workspace's container
// through the archive API, as an operator's `docker cp` would: a change made
// outside Terraform.
func WriteConfigFile(cli *client.Client, workspaceID, rel string, content []byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content)), ModTime: time.Now(),
		Uid: workspace.ConfigOwnerUID, Gid: workspace.ConfigOwnerGID}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(content); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return cli.CopyToContainer(context.Background(), workspace.ContainerName(workspaceID), "/configs", &buf, container.CopyToContainerOptions{})
}

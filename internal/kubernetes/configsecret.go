// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"unicode/utf8"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// configSecretData packs the config files (config_files and the template
// directory, through the same archive the Docker backend copies in) and the
// platform token into the config Secret's data, and returns the files'
// expected hashes. A Secret holds at most 1 MiB: a larger archive is an
// error saying so.
func configSecretData(s workspace.WorkspaceSpec) (map[string][]byte, map[string]string, error) {
	archive, err := workspace.BuildConfigArchive(s.Template, s.ConfigFiles)
	if err != nil {
		return nil, nil, fmt.Errorf("packing config files for %s: %w", s.ContainerName(), err)
	}
	hashes, err := workspace.HashConfigArchive(bytes.NewReader(archive), "")
	if err != nil {
		return nil, nil, fmt.Errorf("hashing config files for %s: %w", s.ContainerName(), err)
	}
	files, err := gzipped(archive)
	if err != nil {
		return nil, nil, err
	}
	data := map[string][]byte{filesArchiveKey: files}
	if s.PlatformToken != "" {
		token, err := tokenArchive(s.PlatformToken)
		if err != nil {
			return nil, nil, err
		}
		data[tokenArchiveKey] = token
	}
	size := 0
	for _, v := range data {
		size += len(v)
	}
	if size > maxSecretBytes {
		return nil, nil, fmt.Errorf("the config files of %s take %d bytes compressed, over the %d bytes a Kubernetes Secret can hold: keep large files out of config_files and the template directory (the agent can fetch them), or run this workspace on Docker", s.ContainerName(), size, maxSecretBytes)
	}
	return data, hashes, nil
}

// tokenArchive is a gzipped tar holding only .auth_token, mode 0600, owned
// by the agent user.
func tokenArchive(token string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: workspace.AuthTokenFile, Mode: 0o600, Uid: workspace.ConfigOwnerUID, Gid: workspace.ConfigOwnerGID,
		Typeflag: tar.TypeReg, Size: int64(len(token))}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(token)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return gzipped(buf.Bytes())
}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// configFilesFromSecret reads the files of a config Secret the way
// config_files holds them (what import records): regular files only,
// .auth_token and files config_files would refuse left out, as the Docker
// backend's ReadConfigFiles does.
func configFilesFromSecret(data map[string][]byte) (map[string]string, error) {
	files := map[string]string{}
	raw, ok := data[filesArchiveKey]
	if !ok {
		return files, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("reading the config files archive: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the config files archive: %w", err)
		}
		rel := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || rel == workspace.AuthTokenFile || hdr.Size > workspace.MaxConfigFileBytes ||
			workspace.ValidateConfigFileKey(rel) != nil {
			continue
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading %q from the config files archive: %w", rel, err)
		}
		if !utf8.Valid(content) || workspace.ValidateConfigFileContent(rel, string(content)) != nil {
			continue
		}
		files[rel] = string(content)
	}
}

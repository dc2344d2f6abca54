// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Reading /configs back through the archive API makes the engine (20.10)
// spawn a tar helper process: tens of milliseconds of its CPU per workspace,
// which on a fleet plan dwarfs everything else. When a workspace manages a
// single file (the common config_files = { "config.yaml" = ... }), a stat of
// that file (a cheap HEAD on the archive API) tells whether it changed since
// it was last read or written: any rewrite, replacement or removal changes
// its size, mtime or mode. The stat's summary, the config stamp, is kept by
// the caller (Terraform private state) next to the file's hash. With several
// managed files no single stat covers them, so they are always read back.

// InspectFiles observes a workspace and its managed config files (paths
// relative to /configs). With a single managed file whose stamp equals known,
// the files are not read again and ConfigHashes is nil: the recorded hashes
// still hold. Otherwise /configs is read back. ConfigStamp is the stamp to
// record ("" when no stamp covers the managed files).
func (e *Engine) InspectFiles(ctx context.Context, workspaceID string, managed []string, known string) (workspace.ObservedWorkspace, error) {
	obs, err := e.Inspect(ctx, workspaceID, false)
	if err != nil || !obs.Exists {
		return obs, err
	}
	if obs.ConfigStamp, err = e.configStamp(ctx, obs.ContainerID, managed); err != nil {
		return workspace.ObservedWorkspace{}, err
	}
	if obs.ConfigStamp != "" && obs.ConfigStamp == known {
		return obs, nil
	}
	if obs.ConfigHashes, err = e.readConfigHashes(ctx, obs.ContainerID); err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("reading /configs of %s on %s: %w", obs.ContainerName, e.host, err)
	}
	return obs, nil
}

// configStamp summarises the stat of the only managed file; "" (and no call)
// when there are several.
func (e *Engine) configStamp(ctx context.Context, containerID string, managed []string) (string, error) {
	if len(managed) != 1 {
		return "", nil
	}
	p := path.Join("/configs", managed[0])
	st, err := e.cli.ContainerStatPath(ctx, containerID, p)
	if cerrdefs.IsNotFound(err) {
		return fmt.Sprintf("%.12s %s missing", containerID, managed[0]), nil
	}
	if err != nil {
		return "", fmt.Errorf("looking at %s in container %.12s on %s: %w", p, containerID, e.host, err)
	}
	return stampOf(containerID, managed[0], st.Size, st.Mode, st.Mtime, st.LinkTarget), nil
}

// stampOf formats a file's stat as a config stamp.
func stampOf(containerID, name string, size int64, mode os.FileMode, mtime time.Time, linkTarget string) string {
	return fmt.Sprintf("%.12s %s %d %o %d %s", containerID, name, size, uint32(mode), mtime.UnixNano(), linkTarget)
}

// writtenStamp is the stamp a stat of name would give right after archive
// was copied into the container: the engine extracts each regular file
// with its header's size, mode and modification time (which
// BuildConfigArchive fixes), so no stat is needed. Should an engine set
// them otherwise, the next refresh sees a different stamp and reads
// /configs back once: the prediction can cost a read, never hide a change.
// "" when name is not a regular file of the archive.
func writtenStamp(containerID string, archive []byte, name string) string {
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return ""
		}
		if path.Clean(hdr.Name) == name && hdr.Typeflag == tar.TypeReg {
			return stampOf(containerID, name, hdr.Size, hdr.FileInfo().Mode(), hdr.ModTime, "")
		}
	}
}

// writtenFiles are the files a create just copied into /configs: their
// hashes are known without reading them back.
type writtenFiles struct {
	hashes map[string]string
	stamp  string
}

// filesWritten describes an archive just copied into the container; nil when
// it lacks config.yaml, whose content then comes from an existing volume and
// must be read back. The stamp is what was written, so a rewrite by the
// runtime itself, even at once, shows at the next refresh.
func filesWritten(containerID string, archive []byte) *writtenFiles {
	hashes, err := workspace.HashConfigArchive(bytes.NewReader(archive), "")
	if err != nil || hashes["config.yaml"] == "" {
		return nil
	}
	w := &writtenFiles{hashes: hashes}
	if len(hashes) == 1 {
		w.stamp = writtenStamp(containerID, archive, "config.yaml")
	}
	return w
}

// observeWritten inspects the workspace after a create; the files are read
// back only when w is nil.
func (e *Engine) observeWritten(ctx context.Context, workspaceID string, w *writtenFiles) (workspace.ObservedWorkspace, error) {
	if w == nil {
		return e.Inspect(ctx, workspaceID, true)
	}
	obs, err := e.Inspect(ctx, workspaceID, false)
	if err == nil && obs.Exists {
		obs.ConfigHashes, obs.ConfigStamp = w.hashes, w.stamp
	}
	return obs, err
}

// withFiles completes the observation of a workspace that has just become
// ready: the files just written, or else read back.
func (e *Engine) withFiles(ctx context.Context, obs workspace.ObservedWorkspace, w *writtenFiles) (workspace.ObservedWorkspace, error) {
	if w != nil {
		obs.ConfigHashes, obs.ConfigStamp = w.hashes, w.stamp
		return obs, nil
	}
	hashes, err := e.readConfigHashes(ctx, obs.ContainerID)
	if err != nil {
		return workspace.ObservedWorkspace{}, fmt.Errorf("reading /configs of %s on %s: %w", obs.ContainerName, e.host, err)
	}
	obs.ConfigHashes = hashes
	return obs, nil
}

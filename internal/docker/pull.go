// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// pullProgressEvery spaces the progress lines of one pull.
const pullProgressEvery = 2 * time.Second

// ImagePlan says what a workspace's image needs at apply.
type ImagePlan struct {
	Ref    workspace.ImageRef
	Policy string
	// Digest is the registry digest the plan expects ("" when unknown, as
	// for a local image): a pull that brings another fails.
	Digest string
}

// pullOnce makes one pull per image per provider run, however many
// workspaces ask for it at once.
type pullOnce struct {
	once sync.Once
	err  error
}

// EnsureImage makes the image present as the policy says, before anything
// of the workspace is created: "never" and a present image with "missing"
// do nothing; otherwise the image is pulled (once per provider run) and
// checked against the planned digest.
func (e *Engine) EnsureImage(ctx context.Context, p ImagePlan, progress workspace.Progress) error {
	engineRef := p.Ref.EngineRef()
	switch p.Policy {
	case workspace.PullNever, "":
		return nil
	case workspace.PullMissing:
		if _, err := e.LocalImage(ctx, engineRef); err == nil {
			return nil
		} else if !isMissingImage(err) {
			return err
		}
		e.ForgetImage(engineRef)
	case workspace.PullAlways:
		if p.Ref.Pinned() {
			// The content of a digest cannot change: pull only when absent.
			if _, err := e.LocalImage(ctx, engineRef); err == nil {
				return nil
			}
			e.ForgetImage(engineRef)
		}
	}
	v, _ := e.pulls.LoadOrStore(engineRef, &pullOnce{})
	po := v.(*pullOnce)
	po.once.Do(func() {
		// Cancelled waiters must not spoil the pull for the others.
		po.err = e.pull(context.WithoutCancel(ctx), p.Ref, progress)
		e.ForgetImage(engineRef)
	})
	if po.err != nil {
		return po.err
	}
	if p.Digest == "" {
		return nil
	}
	local, err := e.LocalImage(ctx, engineRef)
	if err != nil {
		return err
	}
	if got := workspace.DigestFromRepoDigests(p.Ref, local.RepoDigests); got != p.Digest {
		return &workspace.RegistryError{Ref: p.Ref, Problem: workspace.RegistryDigest, Engine: e.host,
			EngineSaid: fmt.Sprintf("planned digest %s, pulled %s", p.Digest, orDefault(got, "an image without a registry digest"))}
	}
	return nil
}

func isMissingImage(err error) bool {
	var m *workspace.MissingImageError
	return errors.As(err, &m)
}

// pull pulls one image, reporting progress in layers and bytes every
// pullProgressEvery and once at the end.
func (e *Engine) pull(ctx context.Context, ref workspace.ImageRef, progress workspace.Progress) error {
	header, source, err := e.credentials.encodedAuth(ctx, ref)
	if err != nil {
		return err
	}
	start := time.Now()
	progress.Emit(ctx, "pulling image", map[string]any{"image": ref.Original, "registry": ref.Registry()})
	rc, err := e.cli.ImagePull(ctx, ref.EngineRef(), image.PullOptions{RegistryAuth: header})
	if err != nil {
		return e.classifyRegistryError(ref, source, err)
	}
	defer rc.Close()
	t := newPullTally()
	dec := json.NewDecoder(rc)
	last := time.Now()
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return e.classifyRegistryError(ref, source, fmt.Errorf("reading the pull's progress: %w", err))
		}
		if msg.Error != nil {
			return e.classifyRegistryError(ref, source, errors.New(msg.Error.Message))
		}
		t.add(msg)
		if time.Since(last) >= pullProgressEvery {
			progress.Emit(ctx, "pulling image", t.fields(ref, start))
			last = time.Now()
		}
	}
	fields := t.fields(ref, start)
	if t.digest != "" {
		fields["digest"] = t.digest
	}
	progress.Emit(ctx, "image pulled", fields)
	return nil
}

// pullTally sums a pull's progress messages per layer.
type pullTally struct {
	current, total map[string]int64
	done           map[string]bool
	digest         string
}

func newPullTally() *pullTally {
	return &pullTally{current: map[string]int64{}, total: map[string]int64{}, done: map[string]bool{}}
}

func (t *pullTally) add(m jsonmessage.JSONMessage) {
	const digestPrefix = "Digest: "
	switch {
	case len(m.Status) > len(digestPrefix) && m.Status[:len(digestPrefix)] == digestPrefix:
		t.digest = m.Status[len(digestPrefix):]
	case m.ID == "":
	case m.Status == "Pulling fs layer" || m.Status == "Waiting":
		t.total[m.ID] += 0
	case m.Status == "Downloading" && m.Progress != nil:
		t.current[m.ID], t.total[m.ID] = m.Progress.Current, m.Progress.Total
	case m.Status == "Download complete", m.Status == "Pull complete", m.Status == "Already exists":
		t.done[m.ID] = true
		t.total[m.ID] += 0
		if t.total[m.ID] > 0 {
			t.current[m.ID] = t.total[m.ID]
		}
	}
}

func (t *pullTally) fields(ref workspace.ImageRef, start time.Time) map[string]any {
	var cur, tot int64
	for id := range t.total {
		cur += t.current[id]
		tot += t.total[id]
	}
	return map[string]any{
		"image": ref.Original, "registry": ref.Registry(),
		"layers_done": len(t.done), "layers": len(t.total),
		"bytes_downloaded": cur, "bytes_total": tot,
		"elapsed": time.Since(start).Round(time.Millisecond).String(),
	}
}

// ImageDigestOf is the registry digest of a local image (by ID) for the
// repository of ref, "" when unknown; used on import.
func (e *Engine) ImageDigestOf(ctx context.Context, ref, imageID string) string {
	r, err := workspace.ParseImageRef(ref)
	if err != nil {
		return ""
	}
	if r.Pinned() {
		return r.Digest()
	}
	img, err := e.LocalImage(ctx, imageID)
	if err != nil {
		return ""
	}
	return workspace.DigestFromRepoDigests(r, img.RepoDigests)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/sockets"
	"github.com/molecule-ai/terraform-provider-molecule/internal/docker"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// rawArm makes the Docker calls a workspace needs directly, with the same
// container request the provider builds, so the provider arm is compared
// with the engine's own cost for the same work.
type rawArm struct {
	s       *session
	counter *countingTransport
	cli     *client.Client
}

func newRawArm(s *session) *rawArm { return &rawArm{s: s} }

func (r *rawArm) connect() error {
	host := docker.ResolveHost("")
	u, err := client.ParseHostURL(host)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}
	if err := sockets.ConfigureTransport(tr, u.Scheme, u.Host); err != nil {
		return err
	}
	r.counter = &countingTransport{next: tr}
	// WithHost insists on an *http.Transport; the counter goes in after it.
	r.cli, err = client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation(),
		client.WithHTTPClient(&http.Client{Transport: r.counter}))
	return err
}

func (r *rawArm) run(ctx context.Context, ids []string, m *measurement) error {
	if err := r.connect(); err != nil {
		return err
	}
	defer r.cli.Close()
	p := r.s.opts.parallelism
	n := len(ids)
	m.Calls = map[string]callStats{}

	files := map[string]string{}
	specs := make(map[string]workspace.WorkspaceSpec, n)
	for _, id := range ids {
		specs[id] = workspaceSpec(id, r.s.opts.image, r.s.network)
		files[id] = configYAML(id)
	}

	// Create: volumes, container, config copy, start, serve, inspect.
	var err error
	m.CreateS, err = timed(func() error {
		return parallel(ctx, ids, p, func(ctx context.Context, id string) error {
			return r.create(ctx, specs[id], files[id])
		})
	})
	m.Calls["create"] = summarize(r.counter.take(), n)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := checkServing(ctx, r.s.cli, ids, p); err != nil {
		return fmt.Errorf("after create: %w", err)
	}

	// Refresh: one inspect each.
	m.PlanSamplesS, err = timedRepeats(r.s.opts.planRepeats, func() error {
		missing, err := r.inspectAll(ctx, ids)
		if err == nil && missing != 0 {
			err = fmt.Errorf("%d workspace(s) missing", missing)
		}
		return err
	})
	m.Calls["refresh"] = summarize(r.counter.take(), n*len(m.PlanSamplesS))
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	m.PlanS = m.PlanSamplesS[0]

	// Drift: one container removed outside; the refresh must notice exactly it.
	if err := removeOutside(ctx, r.s.cli, ids[n/2]); err != nil {
		return err
	}
	m.DriftPlanS, err = timed(func() error {
		missing, err := r.inspectAll(ctx, ids)
		if err == nil && missing != 1 {
			err = fmt.Errorf("drift refresh saw %d missing workspace(s), want 1", missing)
		}
		return err
	})
	r.counter.take()
	if err != nil {
		return fmt.Errorf("drift refresh: %w", err)
	}

	// Destroy: container (force), then both volumes.
	m.DestroyS, err = timed(func() error {
		return parallel(ctx, ids, p, func(ctx context.Context, id string) error {
			return r.destroy(ctx, specs[id])
		})
	})
	m.Calls["destroy"] = summarize(r.counter.take(), n)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return checkNothingLeft(ctx, r.s, m.IDPrefix)
}

func (r *rawArm) create(ctx context.Context, s workspace.WorkspaceSpec, configYAML string) error {
	archive, err := workspace.BuildConfigArchive(nil, map[string]string{"config.yaml": configYAML})
	if err != nil {
		return err
	}
	for _, v := range []struct{ name, role string }{{s.ConfigVolume(), workspace.RoleConfigVolume}, {s.WorkspaceVolume(), workspace.RoleWorkspaceVolume}} {
		if _, err := r.cli.VolumeCreate(ctx, volume.CreateOptions{Name: v.name, Labels: workspace.OwnershipLabels(s.WorkspaceID, v.role)}); err != nil {
			return err
		}
	}
	req := docker.BuildContainerRequest(s)
	created, err := r.cli.ContainerCreate(ctx, req.Config, req.HostConfig, req.Networking, nil, req.Name)
	if err != nil {
		return err
	}
	if err := r.cli.CopyToContainer(ctx, created.ID, "/configs", bytes.NewReader(archive), container.CopyToContainerOptions{}); err != nil {
		return err
	}
	if err := r.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return err
	}
	info, err := r.cli.ContainerInspect(ctx, created.ID)
	if err != nil {
		return err
	}
	url, err := agentURL(info)
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, url, time.Minute); err != nil {
		return fmt.Errorf("%s: %w", req.Name, err)
	}
	_, err = r.cli.ContainerInspect(ctx, created.ID)
	return err
}

// inspectAll inspects every workspace's container and counts the missing.
func (r *rawArm) inspectAll(ctx context.Context, ids []string) (int, error) {
	missing := make(chan struct{}, len(ids))
	err := parallel(ctx, ids, r.s.opts.parallelism, func(ctx context.Context, id string) error {
		_, err := r.cli.ContainerInspect(ctx, workspace.ContainerName(id))
		if cerrdefs.IsNotFound(err) {
			missing <- struct{}{}
			return nil
		}
		return err
	})
	return len(missing), err
}

func (r *rawArm) destroy(ctx context.Context, s workspace.WorkspaceSpec) error {
	if err := r.cli.ContainerRemove(ctx, s.ContainerName(), container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	for _, v := range []string{s.ConfigVolume(), s.WorkspaceVolume()} {
		if err := r.cli.VolumeRemove(ctx, v, false); err != nil && !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}

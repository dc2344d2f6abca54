// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// measurement is one arm's run on one fleet size. Times are seconds.
type measurement struct {
	Arm      string  `json:"arm"`
	N        int     `json:"n"`
	Run      int     `json:"run"`
	IDPrefix string  `json:"id_prefix"`
	CreateS  float64 `json:"create_s"`
	PlanS    float64 `json:"plan_s"` // the first of PlanSamplesS
	// PlanSamplesS are the run's no-change plans, repeated (-plan-repeats):
	// cheap, and the most exposed to other work on a shared machine.
	PlanSamplesS []float64 `json:"plan_samples_s"`
	// PlanNoRefreshSamplesS are the same plans with -refresh=false: Terraform
	// core and the provider's plan RPCs, without reading the engine.
	PlanNoRefreshSamplesS []float64 `json:"plan_no_refresh_samples_s,omitempty"`
	// StateBytesPerWS is the state file's size after apply over N.
	StateBytesPerWS float64              `json:"state_bytes_per_workspace,omitempty"`
	DriftPlanS      float64              `json:"drift_plan_s"`
	DestroyS        float64              `json:"destroy_s"`
	Calls           map[string]callStats `json:"calls"`
	// PeakRSSKB is the largest maximum resident set of any provider process
	// Terraform started during the run (provider arm only).
	PeakRSSKB int64 `json:"provider_peak_rss_kb,omitempty"`
	// ProviderCPUS is the CPU time (user + system) of the provider
	// processes of each step (per plan for the repeated plans): unlike wall
	// time, other work on the machine does not inflate it.
	ProviderCPUS map[string]float64 `json:"provider_cpu_s,omitempty"`
	Error        string             `json:"error,omitempty"`
}

// timedRepeats runs step n times and returns every duration, stopping at
// the first error.
func timedRepeats(n int, step func() error) ([]float64, error) {
	var samples []float64
	for range max(n, 1) {
		s, err := timed(step)
		if err != nil {
			return samples, err
		}
		samples = append(samples, s)
	}
	return samples, nil
}

func timed(step func() error) (float64, error) {
	start := time.Now()
	err := step()
	return time.Since(start).Seconds(), err
}

// parallel runs fn for every id with at most p in flight; it returns every error.
func parallel(ctx context.Context, ids []string, p int, fn func(context.Context, string) error) error {
	sem := make(chan struct{}, p)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, id); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", workspace.ContainerName(id), err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 3 {
		errs = append(errs[:3], fmt.Errorf("and %d more", len(errs)-3))
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// workspaceSpec is what the provider plans for the bench's resource
// configuration (tier 2 defaults, named volumes), for the raw arm.
func workspaceSpec(id, image, network string) workspace.WorkspaceSpec {
	limits := workspace.TierDefaults(workspace.DefaultTier)
	return workspace.WorkspaceSpec{
		WorkspaceID: id, Name: id, Runtime: workspace.DefaultRuntime, Image: image,
		Tier: workspace.DefaultTier, MemoryMB: limits.MemoryMB, CPUs: limits.CPUs,
		WorkspaceAccess: workspace.AccessNone, Network: network, Running: true,
		ConfigFiles: map[string]string{"config.yaml": configYAML(id)},
	}
}

func configYAML(id string) string {
	return fmt.Sprintf("name: %s\ndescription: fleet benchmark\nversion: 1.0.0\ntier: 2\nruntime: langgraph\nmodel: none\n", id)
}

// agentURL is the agent card URL on the published host port.
func agentURL(info container.InspectResponse) (string, error) {
	if info.NetworkSettings != nil {
		for _, b := range info.NetworkSettings.Ports["8000/tcp"] {
			if b.HostPort != "" {
				return "http://127.0.0.1:" + b.HostPort + workspace.DefaultReadyPath, nil
			}
		}
	}
	return "", fmt.Errorf("container %s publishes no port for 8000/tcp", info.Name)
}

var probeClient = &http.Client{Timeout: 2 * time.Second}

func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

// waitHTTP polls url with short exponential backoff until it answers 200.
func waitHTTP(ctx context.Context, url string, budget time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	delay := 5 * time.Millisecond
	for {
		err := get(ctx, url)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s within %s: %w", url, budget, err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// checkServing asserts that every workspace's container runs and its agent
// answers on the published port.
func checkServing(ctx context.Context, cli *client.Client, ids []string, p int) error {
	return parallel(ctx, ids, p, func(ctx context.Context, id string) error {
		info, err := cli.ContainerInspect(ctx, workspace.ContainerName(id))
		if err != nil {
			return err
		}
		if info.State == nil || !info.State.Running {
			return fmt.Errorf("not running")
		}
		url, err := agentURL(info)
		if err != nil {
			return err
		}
		return get(ctx, url)
	})
}

// removeOutside force-removes one workspace's container behind the arm's back.
func removeOutside(ctx context.Context, cli *client.Client, id string) error {
	if err := cli.ContainerRemove(ctx, workspace.ContainerName(id), container.RemoveOptions{Force: true}); err != nil {
		return fmt.Errorf("removing %s outside: %w", workspace.ContainerName(id), err)
	}
	return nil
}

func checkNothingLeft(ctx context.Context, s *session, prefix string) error {
	left, err := s.leftovers(ctx, prefix)
	if err != nil {
		return err
	}
	if left != "" {
		return fmt.Errorf("after destroy: %s", left)
	}
	return nil
}

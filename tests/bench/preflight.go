// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/client"
)

// Measured on this project's machines with the stand-in image: a running
// workspace costs about 13 MiB of containerd-shim, 6 MiB of agent and 3 MiB
// of docker-proxy (its published port), plus the engine's own bookkeeping.
const (
	memPerWorkspaceMiB = 24
	// memReserveMiB covers terraform, the provider (target: 300 MiB at
	// N=500) and the raw arm's client.
	memReserveMiB = 1024
	// threadsPerWorkspace: shim, proxy and agent threads.
	threadsPerWorkspace = 40
)

// preflight checks, before anything is created, that the engine and this
// machine can hold the largest fleet, and says what is short when not.
func preflight(ctx context.Context, cli *client.Client, sizes []int) error {
	n := slices.Max(sizes)
	info, err := cli.Info(ctx)
	if err != nil {
		return fmt.Errorf("preflight: docker info: %w", err)
	}
	var short []string
	need := int64(n*memPerWorkspaceMiB + memReserveMiB)
	if total := info.MemTotal >> 20; total > 0 && total < need {
		short = append(short, fmt.Sprintf("the engine's host has %d MiB of memory, N=%d needs about %d MiB (%d MiB per workspace + %d MiB)", total, n, need, memPerWorkspaceMiB, memReserveMiB))
	}
	if localEngine() {
		if avail, ok := memAvailableMiB(); ok && avail < need {
			short = append(short, fmt.Sprintf("%d MiB of memory available, N=%d needs about %d MiB (%d MiB per workspace + %d MiB): stop other work or lower BENCH_N", avail, n, need, memPerWorkspaceMiB, memReserveMiB))
		}
		if lo, hi, ok := portRange(); ok && hi-lo+1 < n+100 {
			short = append(short, fmt.Sprintf("net.ipv4.ip_local_port_range %d-%d has %d ports; each workspace publishes one (need at least %d)", lo, hi, hi-lo+1, n+100))
		}
		for _, f := range []string{"/proc/sys/kernel/threads-max", "/proc/sys/kernel/pid_max"} {
			if v, ok := readInt(f); ok && v < int64(n*threadsPerWorkspace) {
				short = append(short, fmt.Sprintf("%s is %d, N=%d needs about %d", f, v, n, n*threadsPerWorkspace))
			}
		}
	}
	if len(short) > 0 {
		return fmt.Errorf("preflight: this machine cannot hold N=%d:\n  %s", n, strings.Join(short, "\n  "))
	}
	fmt.Fprintf(os.Stderr, "bench: preflight ok for N=%d (engine %s, %d CPUs, %d MiB)\n", n, info.ServerVersion, info.NCPU, info.MemTotal>>20)
	return nil
}

// localEngine is true when the engine runs on this machine (a unix socket).
func localEngine() bool {
	host := os.Getenv("DOCKER_HOST")
	return host == "" || strings.HasPrefix(host, "unix://")
}

func memAvailableMiB() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb >> 10, err == nil
		}
	}
	return 0, false
}

func portRange() (int, int, bool) {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(data))
	if len(f) != 2 {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	return lo, hi, err1 == nil && err2 == nil
}

func readInt(file string) (int64, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return v, err == nil
}

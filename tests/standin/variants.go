// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"
	"time"
)

// entrypoint plays an image's entrypoint script: it prepares the
// environment, then replaces itself with its arguments (`exec "$@"`).
func entrypoint(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "entrypoint: no command to exec")
		return 2
	}
	fmt.Println("entrypoint: preparing the environment, then exec", args[0])
	env := append(os.Environ(), "STANDIN_ENTRYPOINT=wrapper")
	err := syscall.Exec(args[0], args, env) //nolint:gosec // test image: runs what its own ENTRYPOINT names
	fmt.Fprintf(os.Stderr, "entrypoint: exec %s: %v\n", args[0], err)
	return 127
}

// healthcheck is the HEALTHCHECK command: the agent's /healthz must say 200.
// What it prints ends up in the container's health log.
func healthcheck(port string) int {
	if port == "" {
		port = defaultPort
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		fmt.Println("healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	fmt.Printf("healthcheck: HTTP %d %s\n", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

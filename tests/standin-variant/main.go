// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command standin-variant gives the stand-in's variant images (built by
// scripts/build-test-images.sh) what images in the wild have and FROM
// scratch cannot: an entrypoint script and a HEALTHCHECK command. It is a
// static binary apart from the stand-in, so the stand-in image itself
// (molecule-tf-standin:<runtime>) stays as it is. It acts by the name it is
// run under:
//
//   - /entrypoint CMD...: plays the usual `ENTRYPOINT ["/entrypoint.sh"]`
//     script that prepares the environment and ends in `exec "$@"`: it sets
//     STANDIN_ENTRYPOINT=wrapper and execs its arguments (scratch has no
//     shell for a real script).
//   - /healthcheck: GET http://127.0.0.1:$PORT$STANDIN_HEALTH_PATH (default
//     /healthz); exit 0 on HTTP 200, else 1, printing what it got (the
//     engine keeps that output as the health log). A workspace that sets
//     STANDIN_HEALTH_PATH to a path the stand-in does not serve turns
//     unhealthy.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	switch filepath.Base(os.Args[0]) {
	case "entrypoint":
		os.Exit(entrypoint(os.Args[1:]))
	case "healthcheck":
		os.Exit(healthcheck(os.Getenv("PORT"), os.Getenv("STANDIN_HEALTH_PATH")))
	default:
		fmt.Fprintf(os.Stderr, "standin-variant: run as /entrypoint or /healthcheck, not %s\n", os.Args[0])
		os.Exit(2)
	}
}

// entrypoint prepares the environment, then replaces itself with its
// arguments.
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

// healthcheck asks the agent for its health path; 200 is healthy.
func healthcheck(port, path string) int {
	if port == "" {
		port = "8000"
	}
	if path == "" {
		path = "/healthz"
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + port + path)
	if err != nil {
		fmt.Println("healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	fmt.Printf("healthcheck: GET %s: HTTP %d %s\n", path, resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

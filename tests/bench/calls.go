// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
)

// callStats are the Docker API calls of one step.
type callStats struct {
	Total int `json:"total"`
	// Fixed calls do not depend on the fleet: ping, version, image and
	// network lookups (cached per provider process).
	Fixed int `json:"fixed"`
	// PerWorkspace is (Total - Fixed) / N.
	PerWorkspace float64 `json:"per_workspace"`
	// ListAll counts calls that list all containers: there must be none.
	ListAll int            `json:"list_all_containers"`
	ByOp    map[string]int `json:"by_operation"`
}

var (
	versionPrefix = regexp.MustCompile(`^/v[0-9.]+`)
	objectPath    = regexp.MustCompile(`^/(containers|volumes|networks|images)/([^/]+)(/.*)?$`)
)

// operation turns "GET /v1.41/containers/ws-abc/json" into
// "GET /containers/{name}/json".
func operation(method, path string) string {
	path = versionPrefix.ReplaceAllString(path, "")
	if m := objectPath.FindStringSubmatch(path); m != nil && m[2] != "json" && m[2] != "create" && m[2] != "prune" {
		path = "/" + m[1] + "/{name}" + m[3]
	}
	return method + " " + path
}

func isFixed(op string) bool {
	_, path, _ := strings.Cut(op, " ")
	return path == "/_ping" || path == "/version" || path == "/info" ||
		strings.HasPrefix(path, "/images/") || strings.HasPrefix(path, "/networks/")
}

func summarize(ops []string, n int) callStats {
	st := callStats{ByOp: map[string]int{}}
	for _, op := range ops {
		st.Total++
		st.ByOp[op]++
		if isFixed(op) {
			st.Fixed++
		}
		if op == "GET /containers/json" {
			st.ListAll++
		}
	}
	if n > 0 {
		st.PerWorkspace = float64(st.Total-st.Fixed) / float64(n)
	}
	return st
}

// readCallLog parses the provider's MOLECULE_TF_API_CALL_LOG file.
func readCallLog(file string) ([]string, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ops []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		method, path, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			ops = append(ops, operation(method, path))
		}
	}
	return ops, sc.Err()
}

// countingTransport records the raw arm's calls the same way.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	ops  []string
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.ops = append(c.ops, operation(req.Method, req.URL.Path))
	c.mu.Unlock()
	return c.next.RoundTrip(req)
}

// take returns the calls recorded since the last take.
func (c *countingTransport) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = nil
	return ops
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"net/http"
	"strings"
	"sync"
)

// kubeOperation turns a Kubernetes API request into its operation, without
// namespace and object names: "GET /apis/apps/v1/namespaces/ns/deployments/ws-x"
// becomes "GET deployments/{name}", a collection GET "LIST pods" and a watch
// "WATCH pods". Discovery and cluster-scoped lookups keep their path.
func kubeOperation(method, path string, watch bool) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	// /api/v1/... or /apis/<group>/<version>/...
	rest := parts
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return method + " " + path
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:] // namespaced: drop "namespaces/<ns>"
	}
	if len(rest) == 0 {
		return method + " " + path
	}
	op := rest[0]
	if len(rest) >= 2 {
		op += "/{name}"
		if len(rest) >= 3 {
			op += "/" + strings.Join(rest[2:], "/")
		}
	} else if method == http.MethodGet {
		method = "LIST"
	}
	if watch {
		method = "WATCH"
	}
	return method + " " + op
}

// stepKind says how a step's calls are counted.
type stepKind int

const (
	otherStep stepKind = iota
	// refreshStep: a refresh lists the namespace's workspace Deployments,
	// env Secrets and claims once for every workspace
	// (kubernetes.Cluster.InspectFiles). The claim list counts as fixed, as
	// it always did; the other two are spread over the workspaces, so the
	// calls per workspace fall with N (2/N).
	refreshStep
)

// kubeFixed: calls that do not depend on the fleet (discovery, the
// namespace and its service account, nodes, storage classes; in a refresh
// the shared claim list).
func kubeFixed(op string, kind stepKind) bool {
	if kind == refreshStep && op == "LIST persistentvolumeclaims" {
		return true
	}
	_, what, _ := strings.Cut(op, " ")
	for _, p := range []string{"/", "namespaces", "serviceaccounts", "nodes", "storageclasses"} {
		if strings.HasPrefix(what, p) {
			return true
		}
	}
	return false
}

// summarizeKube is summarize for Kubernetes operations.
func summarizeKube(ops []string, n int, kind stepKind) callStats {
	st := callStats{ByOp: map[string]int{}}
	for _, op := range ops {
		st.Total++
		st.ByOp[op]++
		if kubeFixed(op, kind) {
			st.Fixed++
		}
	}
	if n > 0 {
		st.PerWorkspace = float64(st.Total-st.Fixed) / float64(n)
	}
	return st
}

// kubeCounter records the raw arm's Kubernetes API calls.
type kubeCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	ops  []string
}

func (c *kubeCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	op := kubeOperation(req.Method, req.URL.Path, req.URL.Query().Get("watch") == "true")
	c.mu.Lock()
	c.ops = append(c.ops, op)
	c.mu.Unlock()
	return c.next.RoundTrip(req)
}

// take returns the calls recorded since the last take.
func (c *kubeCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = nil
	return ops
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The health check is healthy on HTTP 200 only.
func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	if code := healthcheck(port, ""); code != 0 {
		t.Errorf("healthy agent: exit %d", code)
	}
	if code := healthcheck(port, "/nope"); code != 1 {
		t.Errorf("404: exit %d", code)
	}
}

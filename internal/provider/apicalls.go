// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

// apiCallLogEnv names a file to which every Docker API call is appended as
// "METHOD PATH", one per line. The benchmark uses it to count calls per
// workspace; it is off unless the variable is set.
const apiCallLogEnv = "MOLECULE_TF_API_CALL_LOG"

func apiCallCounter() func(http.RoundTripper) http.RoundTripper {
	file := os.Getenv(apiCallLogEnv)
	if file == "" {
		return nil
	}
	return func(next http.RoundTripper) http.RoundTripper {
		return &callLogger{next: next, file: file}
	}
}

type callLogger struct {
	next http.RoundTripper
	file string
	mu   sync.Mutex
}

func (c *callLogger) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if f, err := os.OpenFile(c.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		_, _ = fmt.Fprintf(f, "%s %s\n", req.Method, req.URL.Path)
		_ = f.Close()
	}
	c.mu.Unlock()
	return c.next.RoundTrip(req)
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
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

// callLogger appends one line per call to a file it opens once and keeps
// open for the provider's life (the process exit closes it): opening and
// closing the file per call cost the benchmark's provider a tenth of its CPU
// on create. Each line is one write to a file opened with O_APPEND, so the
// provider processes Terraform runs at once do not mix their lines.
type callLogger struct {
	next http.RoundTripper
	file string
	once sync.Once
	out  *os.File // nil when the file cannot be opened
	mu   sync.Mutex
	line []byte
}

func (c *callLogger) RoundTrip(req *http.Request) (*http.Response, error) {
	c.once.Do(func() {
		c.out, _ = os.OpenFile(c.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	})
	if c.out != nil {
		c.mu.Lock()
		c.line = append(append(append(append(c.line[:0], req.Method...), ' '), req.URL.Path...), '\n')
		_, _ = c.out.Write(c.line)
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

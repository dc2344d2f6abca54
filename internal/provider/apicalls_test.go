// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type okTransport struct{}

func (okTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// Every call is one whole line, whatever the concurrency, and two engines
// (two loggers) append to the same file.
func TestAPICallLogOneLinePerCall(t *testing.T) {
	file := filepath.Join(t.TempDir(), "calls")
	t.Setenv(apiCallLogEnv, file)
	wrap := apiCallCounter()
	if wrap == nil {
		t.Fatal("no logger with the variable set")
	}
	engines := []http.RoundTripper{wrap(okTransport{}), wrap(okTransport{})}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, "http://docker/v1.41/containers/ws-"+strings.Repeat("x", i)+"/json", nil)
			if _, err := engines[i%2].RoundTrip(req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 40 {
		t.Fatalf("want 40 lines, got %d:\n%s", len(lines), data)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "GET /v1.41/containers/ws-") || !strings.HasSuffix(l, "/json") {
			t.Fatalf("mangled line %q", l)
		}
	}
	t.Setenv(apiCallLogEnv, "")
	if apiCallCounter() != nil {
		t.Fatal("no logger without the variable")
	}
}

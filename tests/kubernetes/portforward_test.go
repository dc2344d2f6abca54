// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// portForward forwards a local port to the pod's port through the API server
// (as `kubectl port-forward` does) and returns the local base URL and a stop
// function (safe to call more than once).
func portForward(ctx context.Context, t *testing.T, cfg *rest.Config, ns, pod string, port int) (string, func()) {
	t.Helper()
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		t.Fatalf("port-forward transport: %v", err)
	}
	url := fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s/portforward", cfg.Host, ns, pod)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, req.URL)
	stopCh, readyCh := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)},
		stopCh, readyCh, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("port-forward to %s/%s: %v", ns, pod, err)
	}
	errCh := make(chan error, 1)
	go func() { errCh <- fw.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-errCh:
		t.Fatalf("port-forward to %s/%s: %v", ns, pod, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("port-forward to %s/%s not ready after 30s", ns, pod)
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) != 1 {
		t.Fatalf("port-forward ports: %v %v", ports, err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { close(stopCh) }) }
	t.Cleanup(stop)
	return fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local), stop
}

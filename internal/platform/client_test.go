// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package platform_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/tests/platformstandin"
)

func standin(t *testing.T) *platformstandin.Server {
	t.Helper()
	s, err := platformstandin.Start(platformstandin.Options{AdminToken: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func client(t *testing.T, url, token string) *platform.Client {
	t.Helper()
	c, err := platform.New(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateGetUpdateDelete(t *testing.T) {
	s := standin(t)
	c := client(t, s.URL(), "admin")
	ctx := context.Background()
	limit := int64(3)
	created, err := c.Create(ctx, platform.NewWorkspace{Name: "w", Role: "writer", Tier: 2, MaxConcurrentTasks: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.AuthToken == "" {
		t.Fatalf("created %+v: want an id and a token", created)
	}
	got, err := c.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.External() || got.Name != "w" || got.Role != "writer" || got.Tier != 2 || got.MaxConcurrentTasks == nil || *got.MaxConcurrentTasks != 3 {
		t.Errorf("read back %+v", got)
	}
	name := "renamed"
	if err := c.Update(ctx, created.ID, platform.Changes{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got, _ = c.Get(ctx, created.ID); got.Name != "renamed" {
		t.Errorf("after update: name %q", got.Name)
	}
	if err := c.Delete(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ = c.Get(ctx, created.ID); !got.Gone() {
		t.Errorf("after delete: status %q, want removed", got.Status)
	}
	if err := c.Delete(ctx, created.ID); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, err := c.Get(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestErrorsNameThePlatform(t *testing.T) {
	s := standin(t)
	_, err := client(t, s.URL(), "wrong").Create(context.Background(), platform.NewWorkspace{Name: "w"})
	var apiErr *platform.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 {
		t.Fatalf("bad token: %v, want a 401 APIError", err)
	}
	for _, want := range []string{s.URL(), "invalid admin auth token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	s.Close()
	_, err = client(t, s.URL(), "admin").Get(context.Background(), "00000000-0000-4000-8000-000000000000")
	if err == nil || !strings.Contains(err.Error(), "does not answer") || !strings.Contains(err.Error(), s.URL()) {
		t.Errorf("platform down: %v", err)
	}
}

func TestNewRefusesNonHTTPURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := platform.New(u, ""); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package platform is a small client for the Molecule platform's workspace
// API (see platform-api.md): plain Go values, no Terraform or Docker types.
package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RuntimeExternal is the runtime of a workspace the platform never
// provisions, restarts or removes: one that Terraform runs.
const RuntimeExternal = "external"

// Workspace status values the provider reacts to.
const (
	StatusRemoved = "removed"
	StatusFailed  = "failed"
	StatusOffline = "offline"
)

// ErrNotFound is returned by Get for an id the platform has no record of.
var ErrNotFound = errors.New("workspace not found")

// Workspace is the platform's record of one workspace, as GET returns it.
type Workspace struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Role               string   `json:"role"`
	Tier               int      `json:"tier"`
	Runtime            string   `json:"runtime"`
	Status             string   `json:"status"`
	URL                string   `json:"url,omitempty"`
	ParentID           *string  `json:"parent_id"`
	BudgetLimit        *float64 `json:"budget_limit,omitempty"`
	MaxConcurrentTasks *int64   `json:"max_concurrent_tasks,omitempty"`
}

// External reports whether the platform leaves the workspace's container alone.
func (w Workspace) External() bool { return w.Runtime == RuntimeExternal }

// Gone reports whether the record was deleted (the platform keeps it as removed).
func (w Workspace) Gone() bool { return w.Status == StatusRemoved }

// NewWorkspace is what Create sends. Runtime is always RuntimeExternal.
type NewWorkspace struct {
	Name               string
	Role               string
	Tier               int
	ParentID           string
	BudgetLimit        *float64
	MaxConcurrentTasks *int64
}

// Created is the answer to Create: the id the platform chose and the
// workspace's token, which the platform shows only this once.
type Created struct {
	ID        string
	Status    string
	AuthToken string
}

// Changes is a PATCH body: only non-nil fields are sent.
type Changes struct {
	Name               *string  `json:"name,omitempty"`
	Role               *string  `json:"role,omitempty"`
	Tier               *int     `json:"tier,omitempty"`
	Runtime            *string  `json:"runtime,omitempty"`
	ParentID           *string  `json:"parent_id,omitempty"`
	BudgetLimit        *float64 `json:"budget_limit,omitempty"`
	MaxConcurrentTasks *int64   `json:"max_concurrent_tasks,omitempty"`
}

// APIError is an answer the platform gave with an error status.
type APIError struct {
	BaseURL string
	Method  string
	Path    string
	Status  int
	Message string // the body's "error", or the raw body
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("the Molecule platform at %s answered %s %s with %d", e.BaseURL, e.Method, e.Path, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Client talks to one platform.
type Client struct {
	baseURL    string
	adminToken string
	http       *http.Client
}

// DefaultTimeout bounds each request.
const DefaultTimeout = 15 * time.Second

// New returns a client for the API at baseURL (e.g. http://localhost:8080).
func New(baseURL, adminToken string) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("platform API URL %q is not an http(s) URL such as http://localhost:8080", baseURL)
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), adminToken: adminToken, http: &http.Client{Timeout: DefaultTimeout}}, nil
}

// BaseURL is the API address, for messages.
func (c *Client) BaseURL() string { return c.baseURL }

// HasAdminToken reports whether calls that need the admin token can be made.
func (c *Client) HasAdminToken() bool { return c.adminToken != "" }

// Get reads one record (no auth). A deleted one is returned with status removed.
func (c *Client) Get(ctx context.Context, id string) (Workspace, error) {
	var w Workspace
	err := c.do(ctx, http.MethodGet, "/workspaces/"+url.PathEscape(id), "", nil, &w)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return Workspace{}, ErrNotFound
	}
	return w, err
}

// Create makes an external workspace record.
func (c *Client) Create(ctx context.Context, n NewWorkspace) (Created, error) {
	body := map[string]any{"name": n.Name, "runtime": RuntimeExternal, "external": true}
	if n.Role != "" {
		body["role"] = n.Role
	}
	if n.Tier != 0 {
		body["tier"] = n.Tier
	}
	if n.ParentID != "" {
		body["parent_id"] = n.ParentID
	}
	if n.BudgetLimit != nil {
		body["budget_limit"] = *n.BudgetLimit
	}
	if n.MaxConcurrentTasks != nil {
		body["max_concurrent_tasks"] = *n.MaxConcurrentTasks
	}
	var resp struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		Connection struct {
			AuthToken string `json:"auth_token"`
		} `json:"connection"`
	}
	if err := c.do(ctx, http.MethodPost, "/workspaces", c.adminToken, body, &resp); err != nil {
		return Created{}, err
	}
	if resp.ID == "" {
		return Created{}, fmt.Errorf("the Molecule platform at %s created a workspace but returned no id", c.baseURL)
	}
	return Created{ID: resp.ID, Status: resp.Status, AuthToken: resp.Connection.AuthToken}, nil
}

// Update PATCHes a record with the admin token.
func (c *Client) Update(ctx context.Context, id string, ch Changes) error {
	return c.do(ctx, http.MethodPatch, "/workspaces/"+url.PathEscape(id), c.adminToken, ch, nil)
}

// Delete removes a record; one already gone counts as removed.
func (c *Client) Delete(ctx context.Context, id string) error {
	err := c.do(ctx, http.MethodDelete, "/workspaces/"+url.PathEscape(id), c.adminToken, nil, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return nil
	}
	return err
}

func (c *Client) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("the Molecule platform at %s does not answer (%s %s): %w", c.baseURL, method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the answer of the Molecule platform at %s to %s %s: %w", c.baseURL, method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &APIError{BaseURL: c.baseURL, Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the Molecule platform at %s answered %s %s with unexpected JSON: %w", c.baseURL, method, path, err)
		}
	}
	return nil
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// StateFile returns the raw terraform.tfstate ("" when there is none).
func (w *Workdir) StateFile() string {
	data, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		return ""
	}
	return string(data)
}

// StateInstance is one resource instance of the state file.
type StateInstance struct {
	Address    string
	Tainted    bool
	Attributes map[string]any
}

// String returns a string attribute ("" when absent or not a string).
func (s StateInstance) String(attr string) string {
	v, _ := s.Attributes[attr].(string)
	return v
}

// StateInstances lists the state's managed resource instances of one type.
func (w *Workdir) StateInstances(resourceType string) []StateInstance {
	w.t.Helper()
	raw := w.StateFile()
	if raw == "" {
		return nil
	}
	var st struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				IndexKey   any            `json:"index_key"`
				Status     string         `json:"status"`
				Attributes map[string]any `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		w.t.Fatalf("parsing terraform.tfstate: %v", err)
	}
	var out []StateInstance
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != resourceType {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if in.IndexKey != nil {
				addr += fmt.Sprintf("[%q]", fmt.Sprint(in.IndexKey))
			}
			out = append(out, StateInstance{Address: addr, Tainted: in.Status == "tainted", Attributes: in.Attributes})
		}
	}
	return out
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The tier tables of the hand-written docs (templates/) repeat the tier
// table's names and limits for readers; they must say what the code does.
func TestTemplatesAgreeWithTheTierTable(t *testing.T) {
	for _, file := range []string{"resources/workspace.md.tmpl", "guides/tiers.md.tmpl"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "templates", file))
		if err != nil {
			t.Fatal(err)
		}
		rows := map[int]string{}
		for _, line := range strings.Split(string(data), "\n") {
			for _, tier := range workspace.Tiers() {
				if strings.HasPrefix(line, fmt.Sprintf("| `%d` ", tier.Number)) {
					rows[tier.Number] = line
				}
			}
		}
		for _, tier := range workspace.Tiers() {
			row, ok := rows[tier.Number]
			if !ok {
				t.Errorf("%s: no row for tier %d", file, tier.Number)
				continue
			}
			limits := fmt.Sprintf("%d MiB, %s CPU", tier.Limits.MemoryMB, strconv.FormatFloat(tier.Limits.CPUs, 'f', -1, 64))
			if !strings.Contains(row, "`"+strconv.Itoa(tier.Number)+"` "+tier.Name) || !strings.HasSuffix(strings.TrimSpace(row), limits+" |") {
				t.Errorf("%s: the row of tier %d does not say `%d` %s ... %s:\n%s", file, tier.Number, tier.Number, tier.Name, limits, row)
			}
		}
	}
}

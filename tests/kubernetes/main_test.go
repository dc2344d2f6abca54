// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"os"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
)

// TestMain skips the acceptance tests before they start when TF_ACC is unset.
func TestMain(m *testing.M) { os.Exit(acctest.RunTests(m)) }

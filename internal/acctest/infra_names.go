// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// IDPrefix starts every workspace id the acceptance tests create; sweepers
// and scripts/cleanup-rogue-workspaces.sh recognise it.
const IDPrefix = "tfacc"

// Network is the network acceptance-test workspaces join.
const Network = "molecule-tfacc-net"

// StandinPrefix tags the stand-in images built by scripts/build-test-images.sh.
// Never a real workspace-template tag: these run on operators' machines.
const StandinPrefix = "molecule-tf-standin"

// StandinImage is the stand-in image for a runtime.
func StandinImage(runtime string) string { return StandinPrefix + ":" + runtime }

// RandomID returns a workspace id whose 12-character prefix is unique:
// "tfacc" + 7 random hex digits, then "-" + suffix.
func RandomID(suffix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%s-%s", IDPrefix, hex.EncodeToString(b)[:7], suffix)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

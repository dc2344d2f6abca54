// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package docker

import (
	"fmt"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The stamp recorded at create is what a stat of the extracted file gives:
// the archive's size, mode and fixed modification time (the acceptance test
// TestAccWorkspace_engineCallsPerStep checks it against a real engine).
func TestWrittenStampIsTheArchivedFilesStat(t *testing.T) {
	const id = "0123456789abcdef0123"
	yaml := "name: stamped\nruntime: langgraph\n"
	archive, err := workspace.BuildConfigArchive(nil, map[string]string{"config.yaml": yaml})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("0123456789ab config.yaml %d %o %d ", len(yaml), workspace.ConfigFileMode, workspace.ConfigArchiveModTime.UnixNano())
	if got := writtenStamp(id, archive, "config.yaml"); got != want {
		t.Errorf("writtenStamp = %q, want %q", got, want)
	}
	if got := writtenStamp(id, archive, "other.yaml"); got != "" {
		t.Errorf("writtenStamp of a file not in the archive = %q, want empty", got)
	}
}

// Several files: no stamp covers them, so nothing is predicted and the
// next refresh reads /configs back.
func TestFilesWrittenStampsOnlyASingleFile(t *testing.T) {
	one, _ := workspace.BuildConfigArchive(nil, map[string]string{"config.yaml": "a: 1\n"})
	two, _ := workspace.BuildConfigArchive(nil, map[string]string{"config.yaml": "a: 1\n", "extra.md": "x\n"})
	if w := filesWritten("c0ffee", one); w == nil || w.stamp == "" {
		t.Errorf("one file: %+v, want hashes and a stamp", w)
	}
	if w := filesWritten("c0ffee", two); w == nil || w.stamp != "" || len(w.hashes) != 2 {
		t.Errorf("two files: %+v, want two hashes and no stamp", w)
	}
}

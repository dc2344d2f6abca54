// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The Docker calls each step makes for one workspace, counted in the
// provider's API call log (one "METHOD path" line per call):
//   - apply looks the name up at plan and at the apply's re-plan only (the
//     container create refuses a taken name itself) and stats no file: the
//     config stamp it records is predicted from the archive it copied;
//   - the no-change plan after it inspects the container and stats
//     config.yaml, and does not read /configs back, which it would if the
//     predicted stamp differed from the engine's stat;
//   - destroy removes the container and both volumes without looking at
//     the volumes first (the container it removed mounted them), and
//     leaves nothing.
func TestAccWorkspace_engineCallsPerStep(t *testing.T) {
	t.Parallel()
	cli := acctest.Docker(t)
	acctest.PreCheck(t)
	id := acctest.RandomID("calls")
	name := workspace.ContainerName(id)
	callLog := filepath.Join(t.TempDir(), "calls.log")
	wd := acctest.NewWorkdir(t)
	wd.Setenv("MOLECULE_TF_API_CALL_LOG=" + callLog)
	wd.SetConfig(acctest.ProviderConfig() + workspaceHCL("test", id, configYAMLLine(id)))
	wd.DestroyOnCleanup()
	calls := func(args ...string) string {
		t.Helper()
		_ = os.Remove(callLog)
		r := wd.MustRun(args...)
		if args[0] == "plan" && !strings.Contains(r.Stdout, "No changes") {
			t.Fatalf("plan is not empty:\n%s", r)
		}
		data, _ := os.ReadFile(callLog)
		return string(data)
	}
	count := func(log, pattern string) int {
		return len(regexp.MustCompile(`(?m)^`+pattern+`$`).FindAllString(log, -1))
	}

	apply := calls("apply", "-auto-approve")
	if n := count(apply, `GET \S*/containers/`+name+`/json`); n != 2 {
		t.Errorf("apply looked the container name up %d times, want 2 (plan and re-plan):\n%s", n, apply)
	}
	if n := count(apply, `HEAD \S*/archive`); n != 0 {
		t.Errorf("apply stat'ed %d files in the container, want 0:\n%s", n, apply)
	}

	plan := calls("plan", "-detailed-exitcode")
	if n := count(plan, `GET \S*/containers/\S+/archive`); n != 0 {
		t.Errorf("no-change plan read /configs back %d times, want 0 (the stamp recorded at create should match):\n%s", n, plan)
	}
	if n := count(plan, `HEAD \S*/containers/\S+/archive`); n != 1 {
		t.Errorf("no-change plan stat'ed config.yaml %d times, want 1:\n%s", n, plan)
	}

	destroy := calls("destroy", "-auto-approve")
	if n := count(destroy, `GET \S*/volumes/\S+`); n != 0 {
		t.Errorf("destroy inspected %d volumes, want 0:\n%s", n, destroy)
	}
	if n := count(destroy, `DELETE \S*/volumes/\S+`); n != 2 {
		t.Errorf("destroy removed %d volumes, want 2 (configs and workspace):\n%s", n, destroy)
	}
	if err := acctest.NothingLeft(cli, id); err != nil {
		t.Error(err)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	backend "github.com/molecule-ai/terraform-provider-molecule/internal/kubernetes"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// molecule_workspace through real Terraform with a provider whose
// kubernetes block points at the test cluster, checked through the
// Kubernetes API.

// providerConfig is a provider block on the test cluster's namespace ns,
// every runtime on the stand-in.
func providerConfig(ns string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"molecule\" {\n  image_pull = \"never\"\n  runtime_images = {\n")
	for _, rt := range workspace.KnownRuntimes() {
		fmt.Fprintf(&b, "    %q = %q\n", rt, standinImage)
	}
	b.WriteString("  }\n")
	for _, line := range extra {
		b.WriteString("  " + line + "\n")
	}
	fmt.Fprintf(&b, "  kubernetes {\n    config_path = %q\n    namespace = %q\n    config_init_image = %q\n  }\n}\n",
		os.Getenv(kubeconfigEnv), ns, configInitImage)
	return b.String()
}

func workspaceConfig(ns, id, body string, extra ...string) string {
	return providerConfig(ns, extra...) + fmt.Sprintf(`
resource "molecule_workspace" "test" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
%s
}
`, id, acctest.MinimalConfigYAML(id), body)
}

// checkNothingLeft is CheckDestroy: no object with our labels in ns.
func checkNothingLeft(t *testing.T, b testBackend) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for kind, n := range b.owned(t, "") {
			if n != 0 {
				return fmt.Errorf("%d %s objects with our labels left in %s after destroy", n, kind, b.ns)
			}
		}
		return nil
	}
}

func (b testBackend) deployment(t *testing.T, id string) *appsv1.Deployment {
	t.Helper()
	dep, err := b.cs.AppsV1().Deployments(b.ns).Get(context.Background(), workspace.ContainerName(id), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Deployment of %s: %v", id, err)
	}
	return dep
}

// Create, update in place, stop, start, import, destroy; drift of the
// workload (deleted, scaled to 0, limits changed behind Terraform's back)
// is seen and repaired.
func TestAccKubernetesWorkspace_lifecycle(t *testing.T) {
	b := newBackend(t)
	id := acctest.RandomID("life")
	name := workspace.ContainerName(id)
	var firstUID types.UID
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkNothingLeft(t, b),
		Steps: []resource.TestStep{
			{
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  cpus = 0.25"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("internal_url"),
						knownvalue.StringExact(fmt.Sprintf("http://%s.%s.svc:8000", name, b.ns))),
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("network"), knownvalue.StringExact(backend.PodNetwork)),
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(512)),
				},
				Check: func(*terraform.State) error {
					firstUID = b.deployment(t, id).UID
					pod := b.readyPod(t, id)
					if _, body, _ := fetch(t, "GET", agentURL(pod, "/env?key=GREETING"), ""); body != "hello" {
						return fmt.Errorf("GREETING in the pod is %q", body)
					}
					return nil
				},
			},
			{
				// Limits change in place: the same Deployment.
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					dep := b.deployment(t, id)
					if dep.UID != firstUID {
						return fmt.Errorf("the Deployment was replaced")
					}
					if m := b.readyPod(t, id).Spec.Containers[0].Resources.Limits.Memory(); m.Value() != 768<<20 {
						return fmt.Errorf("pod memory limit %s", m)
					}
					return nil
				},
			},
			{
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5\n  running = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("molecule_workspace.test", tfjsonpath.New("running"), knownvalue.Bool(false)),
				},
				Check: func(*terraform.State) error {
					if r := *b.deployment(t, id).Spec.Replicas; r != 0 || len(b.pods(t, id)) != 0 {
						return fmt.Errorf("running = false: replicas %d, %d pods", r, len(b.pods(t, id)))
					}
					if n := b.owned(t, id)["PersistentVolumeClaim"]; n != 2 {
						return fmt.Errorf("%d claims while stopped", n)
					}
					return nil
				},
			},
			{
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				Check: func(*terraform.State) error {
					if r := *b.deployment(t, id).Spec.Replicas; r != 1 {
						return fmt.Errorf("running = true: replicas %d", r)
					}
					b.readyPod(t, id)
					return nil
				},
			},
			{
				// Scaled to 0 behind Terraform's back: running reads false,
				// the apply scales it back to 1.
				PreConfig: func() { scaleTo(t, b, id, 0) },
				Config:    workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if r := *b.deployment(t, id).Spec.Replicas; r != 1 {
						return fmt.Errorf("scaled to 0 outside: the apply left replicas %d", r)
					}
					return nil
				},
			},
			{
				// Limits changed behind Terraform's back: an in-place update.
				PreConfig: func() { setMemory(t, b, id, "640Mi") },
				Config:    workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if m := b.deployment(t, id).Spec.Template.Spec.Containers[0].Resources.Limits.Memory(); m.Value() != 768<<20 {
						return fmt.Errorf("memory limit after the repair: %s", m)
					}
					return nil
				},
			},
			{
				// The workload deleted behind Terraform's back: re-created.
				PreConfig: func() {
					if err := b.cs.AppsV1().Deployments(b.ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					if b.deployment(t, id).UID == firstUID {
						return fmt.Errorf("the deleted Deployment is back with its old UID")
					}
					b.readyPod(t, id)
					return nil
				},
			},
			{
				// env changed in the Secret behind Terraform's back: replaced.
				PreConfig: func() { setEnv(t, b, id, "GREETING", "tampered") },
				Config:    workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					pod := b.readyPod(t, id)
					if _, body, _ := fetch(t, "GET", agentURL(pod, "/env?key=GREETING"), ""); body != "hello" {
						return fmt.Errorf("GREETING after the replace is %q", body)
					}
					return nil
				},
			},
			{
				// The image changed on the Deployment behind Terraform's
				// back (its pod rolls over to an image that is no agent):
				// the plan replaces the workspace, back on its own image.
				PreConfig: func() { setImage(t, b, id, configInitImage) },
				Config:    workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					b.readyPod(t, id)
					if got := agentImage(b.deployment(t, id)); got != standinImage {
						return fmt.Errorf("agent image after the replace is %q, want %q", got, standinImage)
					}
					return nil
				},
			},
			{
				// The /workspace claim deleted behind Terraform's back (held
				// by its pod until then): the plan replaces the workspace.
				PreConfig: func() {
					claim := workspace.WorkspaceVolumeName(id)
					if err := b.cs.CoreV1().PersistentVolumeClaims(b.ns).Delete(context.Background(), claim, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: workspaceConfig(b.ns, id, "  env = { GREETING = \"hello\" }\n  memory_mb = 768\n  cpus = 0.5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("molecule_workspace.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					b.readyPod(t, id)
					if n := b.owned(t, id)["PersistentVolumeClaim"]; n != 2 {
						return fmt.Errorf("%d claims after the replace, want 2", n)
					}
					return nil
				},
			},
			{
				ResourceName:                         "molecule_workspace.test",
				ImportState:                          true,
				ImportStateId:                        id,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "workspace_id",
				ImportStateVerifyIgnore:              []string{"timeouts"},
			},
		},
	})
}

func scaleTo(t *testing.T, b testBackend, id string, replicas int32) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	if _, err := b.cs.AppsV1().Deployments(b.ns).Patch(context.Background(), workspace.ContainerName(id), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

func setMemory(t *testing.T, b testBackend, id, memory string) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"template":{"spec":{"containers":[{"name":"agent","resources":{"limits":{"memory":%q},"requests":{"memory":%q}}}]}}}}`, memory, memory)
	if _, err := b.cs.AppsV1().Deployments(b.ns).Patch(context.Background(), workspace.ContainerName(id), types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

func setImage(t *testing.T, b testBackend, id, image string) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":%q}]}}}}`, image)
	if _, err := b.cs.AppsV1().Deployments(b.ns).Patch(context.Background(), workspace.ContainerName(id), types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// agentImage is the image of the Deployment's agent container.
func agentImage(dep *appsv1.Deployment) string {
	for _, c := range dep.Spec.Template.Spec.Containers {
		if c.Name == "agent" {
			return c.Image
		}
	}
	return ""
}

func setEnv(t *testing.T, b testBackend, id, key, value string) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"stringData":{%q:%q}}`, key, value)
	if _, err := b.cs.CoreV1().Secrets(b.ns).Patch(context.Background(), backend.EnvSecretName(id), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Attributes that cannot apply on Kubernetes fail the plan, naming why and
// what to use instead; nothing is created.
func TestAccKubernetesWorkspace_unsupportedAttributes(t *testing.T) {
	b := newBackend(t)
	id := acctest.RandomID("unsup")
	dir := t.TempDir()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkNothingLeft(t, b),
		Steps: []resource.TestStep{
			{
				Config:      workspaceConfig(b.ns, id, fmt.Sprintf("  workspace_path = %q", dir)),
				PlanOnly:    true,
				ExpectError: acctest.MessageRegexp("workspace_path", "is not supported on Kubernetes", "PersistentVolumeClaim"),
			},
			{
				Config:      workspaceConfig(b.ns, id, `  network = "molecule-monorepo-net"`),
				PlanOnly:    true,
				ExpectError: acctest.MessageRegexp("network", "is not supported on Kubernetes", "NetworkPolicy"),
			},
			{
				Config:      workspaceConfig(b.ns, id, "", `network = "molecule-monorepo-net"`),
				PlanOnly:    true,
				ExpectError: acctest.MessageRegexp("Docker setting with a kubernetes block", "second provider"),
			},
		},
	})
}

// A crash loop fails the apply within seconds with the exit code and the
// logs, and the workspace is recorded tainted.
func TestAccKubernetesWorkspace_crashFailsApply(t *testing.T) {
	b := newBackend(t)
	id := acctest.RandomID("crash")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             checkNothingLeft(t, b),
		Steps: []resource.TestStep{
			{
				Config:      workspaceConfig(b.ns, id, "  env = { STANDIN_CRASH_EXIT = \"7\" }\n  cpus = 0.25"),
				ExpectError: acctest.MessageRegexp("exit code 7", "crashing on purpose with code 7"),
			},
		},
	})
}

// A provider whose API server does not answer fails with one error naming it.
func TestAccKubernetesWorkspace_unreachableCluster(t *testing.T) {
	cluster(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "molecule" {
  kubernetes {
    host  = "https://127.0.0.1:1"
    token = "x"
  }
}
resource "molecule_workspace" "test" {
  workspace_id = "tfaccunreachable"
  config_files = { "config.yaml" = "name: x\n" }
}
`,
			ExpectError: acctest.MessageRegexp("Kubernetes API server unreachable", "https://127.0.0.1:1 does not answer"),
		}},
	})
}

// Tiers 1 and 3 (with the opt-in) through Terraform, read back through both
// data sources; then keep_volumes: destroying the tier-3 workspace leaves
// its claims, listed as detached volumes.
func TestAccKubernetesWorkspace_tiersDataSourcesKeepVolumes(t *testing.T) {
	b := newBackend(t)
	sandboxed, privileged := acctest.RandomID("tierone"), acctest.RandomID("tierthree")
	workspaces := func(withPrivileged bool) string {
		hcl := fmt.Sprintf(`
resource "molecule_workspace" "sandboxed" {
  workspace_id = %q
  tier         = 1
  cpus         = 0.25
  labels       = { team = "research" }
  config_files = { "config.yaml" = %q }
}
`, sandboxed, acctest.MinimalConfigYAML("sandboxed"))
		if withPrivileged {
			hcl += fmt.Sprintf(`
resource "molecule_workspace" "privileged" {
  workspace_id = %q
  tier         = 3
  cpus         = 0.25
  memory_mb    = 256
  keep_volumes = true
  config_files = { "config.yaml" = %q }
}
`, privileged, acctest.MinimalConfigYAML("privileged"))
		}
		return hcl
	}
	dataSources := fmt.Sprintf(`
data "molecule_workspace" "sandboxed" {
  workspace_id = %q
  depends_on   = [molecule_workspace.sandboxed]
}
data "molecule_workspaces" "research" {
  labels     = { team = "research" }
  depends_on = [molecule_workspace.sandboxed]
}
data "molecule_workspaces" "all" {
  depends_on = [molecule_workspace.sandboxed]
}
`, sandboxed)
	provider := providerConfig(b.ns, "allow_privileged_tiers = true")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			left := b.owned(t, "")
			if left["PersistentVolumeClaim"] != 2 || left["Deployment"]+left["Pod"]+left["Service"]+left["Secret"] != 0 {
				return fmt.Errorf("after destroy: %v, want only the kept workspace's 2 claims", left)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: provider + workspaces(true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("molecule_workspace.sandboxed", tfjsonpath.New("isolation"),
						knownvalue.StringExact("privileged=false pid=private network=pod readonly_rootfs=true tmpfs=/tmp:memory,size=64Mi")),
					statecheck.ExpectKnownValue("molecule_workspace.sandboxed", tfjsonpath.New("workspace_volume"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue("molecule_workspace.privileged", tfjsonpath.New("isolation"),
						knownvalue.StringExact("privileged=true pid=host network=pod readonly_rootfs=false")),
				},
				Check: func(*terraform.State) error {
					one, three := b.readyPod(t, sandboxed), b.readyPod(t, privileged)
					if sc := one.Spec.Containers[0].SecurityContext; sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
						return fmt.Errorf("tier 1 pod without a read-only root filesystem")
					}
					if sc := three.Spec.Containers[0].SecurityContext; sc.Privileged == nil || !*sc.Privileged || !three.Spec.HostPID {
						return fmt.Errorf("tier 3 pod not privileged with the host's PID namespace")
					}
					return nil
				},
			},
			{
				Config: provider + workspaces(true) + dataSources,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.molecule_workspace.sandboxed", tfjsonpath.New("tier"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.molecule_workspace.sandboxed", tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("data.molecule_workspace.sandboxed", tfjsonpath.New("internal_url"),
						knownvalue.StringExact(fmt.Sprintf("http://%s.%s.svc:8000", workspace.ContainerName(sandboxed), b.ns))),
					statecheck.ExpectKnownValue("data.molecule_workspaces.research", tfjsonpath.New("ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(sandboxed)})),
					statecheck.ExpectKnownValue("data.molecule_workspaces.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(2)),
				},
			},
			{
				// The tier-3 workspace goes with keep_volumes: its claims stay.
				Config: provider + workspaces(false) + dataSources,
				Check: func(*terraform.State) error {
					left := b.owned(t, privileged)
					if left["PersistentVolumeClaim"] != 2 || left["Deployment"]+left["Pod"]+left["Service"]+left["Secret"] != 0 {
						return fmt.Errorf("after removing the keep_volumes workspace: %v", left)
					}
					return nil
				},
			},
		},
	})
}

// A foreign object holding a name the workspace would take fails the plan,
// and is left as it was.
func TestAccKubernetesWorkspace_foreignNameFailsPlan(t *testing.T) {
	b := newBackend(t)
	id := acctest.RandomID("foreign")
	ctx := context.Background()
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: backend.ConfigSecretName(id), Labels: map[string]string{"app": "theirs"}},
		StringData: map[string]string{"k": "v"}}
	made, err := b.cs.CoreV1().Secrets(b.ns).Create(ctx, foreign, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			got, err := b.cs.CoreV1().Secrets(b.ns).Get(ctx, foreign.Name, metav1.GetOptions{})
			if err != nil || got.ResourceVersion != made.ResourceVersion {
				return fmt.Errorf("the foreign Secret changed or went: %v, %v", got, err)
			}
			return checkNothingLeft(t, b)(nil)
		},
		Steps: []resource.TestStep{{
			Config:      workspaceConfig(b.ns, id, "  cpus = 0.25"),
			ExpectError: acctest.MessageRegexp("Secret "+backend.ConfigSecretName(id), "not managed by this provider"),
		}},
	})
}

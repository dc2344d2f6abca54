// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/acctest"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// TestAccTLS_remoteEngine starts a dockerd of its own listening on
// 127.0.0.1 with --tlsverify and certificates made by the test, applies a
// workspace through it with the client certificate given as PEM material,
// then as cert_path, and shows that clients without the certificate (no
// client certificate, one from another CA, plain HTTP, the provider without
// cert_material) are refused.
func TestAccTLS_remoteEngine(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	engine := acctest.StartExtraEngine(t, acctest.ExtraEngineOptions{TLS: true})
	files := engine.TLS
	id := acctest.RandomID("tls")
	cli := engine.Client()

	expectRefused(t, engine.TLSHost, files.CAPEM, nil)
	stranger := acctest.GenerateTLS(t, filepath.Join(t.TempDir(), "other-ca"))
	strangerCert, err := tls.X509KeyPair([]byte(stranger.ClientCertPEM), []byte(stranger.ClientKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	expectRefused(t, engine.TLSHost, files.CAPEM, &strangerCert)
	plain, err := client.NewClientWithOpts(client.WithHost(engine.TLSHost), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Ping(context.Background()); err == nil {
		t.Errorf("plain HTTP to %s was answered", engine.TLSHost)
	}

	workspaceConfig := fmt.Sprintf(`
resource "molecule_workspace" "tls" {
  workspace_id = %q
  config_files = { "config.yaml" = %q }
}
`, id, acctest.MinimalConfigYAML("tls"))
	withMaterial := acctest.ProviderConfig(
		fmt.Sprintf("host = %q", engine.TLSHost),
		fmt.Sprintf("ca_material = %q", files.CAPEM),
		fmt.Sprintf("cert_material = %q", files.ClientCertPEM),
		fmt.Sprintf("key_material = %q", files.ClientKeyPEM),
	) + workspaceConfig
	withCertPath := acctest.ProviderConfig(
		fmt.Sprintf("host = %q", engine.TLSHost),
		fmt.Sprintf("cert_path = %q", files.ClientDir),
	) + workspaceConfig
	withoutClientCert := acctest.ProviderConfig(
		fmt.Sprintf("host = %q", engine.TLSHost),
		fmt.Sprintf("ca_material = %q", files.CAPEM),
	) + workspaceConfig

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(cli, id),
		Steps: []resource.TestStep{
			{
				Config: withMaterial,
				Check: func(s *terraform.State) error {
					info, err := acctest.InspectContainer(cli, id)
					if err != nil {
						return fmt.Errorf("the workspace is not on the TLS engine: %w", err)
					}
					if !info.State.Running || !workspace.IsOwned(info.Config.Labels, id) {
						return fmt.Errorf("container %s: running=%t owned=%t", info.Name, info.State.Running, workspace.IsOwned(info.Config.Labels, id))
					}
					url := s.RootModule().Resources["molecule_workspace.tls"].Primary.Attributes["host_url"]
					if code, _, err := acctest.HTTPGet(url + workspace.DefaultReadyPath); err != nil || code != 200 {
						return fmt.Errorf("agent card at %s: %d %v", url, code, err)
					}
					return nil
				},
			},
			{
				Config: withCertPath,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				Config:      withoutClientCert,
				ExpectError: acctest.MessageRegexp("Docker engine at " + engine.TLSHost + " does not answer"),
			},
			{Config: withMaterial, PlanOnly: true},
		},
	})
}

// expectRefused checks that a TLS client trusting the engine's CA, with the
// given client certificate (or none), cannot use the engine.
func expectRefused(t *testing.T, host, caPEM string, cert *tls.Certificate) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(caPEM))
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		conf.Certificates = []tls.Certificate{*cert}
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: conf}, Timeout: 10 * time.Second}
	cli, err := client.NewClientWithOpts(client.WithHost(host), client.WithHTTPClient(hc), client.WithScheme("https"), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Ping(context.Background()); err == nil {
		t.Errorf("a client with certificate %v was let in by %s", cert != nil, host)
	} else {
		t.Logf("refused as expected: %v", err)
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package acctest is the support of the acceptance tests, which drive real
// Terraform against real Docker engines and check the result through the
// engines' APIs. Its files come in three groups, by prefix:
//
//   - tf_*.go, Terraform glue: the in-process provider and its
//     configuration (tf_provider.go), the one terraform CLI runner
//     (tf_workdir.go, Workdir) with its state reader (tf_state.go), the one
//     reader of `terraform show -json` (tf_show.go), the one matcher of
//     wrapped messages (tf_message_regexp.go), plan checks
//     (tf_expect_prior_value.go, tf_diagnostics_recorder.go) and the
//     provider's log (tf_provider_log.go).
//   - engine_*.go, engine checks: a client and reads of what the provider
//     made (engine_client.go, engine_http.go, engine_configs.go), one file
//     per check named after it (engine_check_*.go), and changes made
//     behind Terraform's back as an operator would (engine_drift.go,
//     engine_foreign.go, engine_config_delete.go, engine_variant_image.go,
//     engine_privileged.go).
//   - infra_*.go, test infrastructure: the TestMain that keeps acceptance
//     tests from starting without TF_ACC (infra_testmain.go), names and
//     stand-in images (infra_names.go, infra_variants.go), test registries
//     (infra_registry.go), extra engines, TLS, sshd, free ports, the
//     repository root and the sweepers.
package acctest

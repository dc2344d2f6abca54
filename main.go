// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-molecule serves the molecule Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/molecule-ai/terraform-provider-molecule/internal/procsettings"
	"github.com/molecule-ai/terraform-provider-molecule/internal/provider"
)

// version is set by the release build (goreleaser ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	procsettings.QuietLogsUnlessAsked()
	procsettings.TuneGCUnlessSet()
	stopProfile := startCPUProfile()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/molecule-ai/molecule",
		Debug:   debug,
	})
	stopProfile()
	procsettings.RecordUsageIfAsked()
	if err != nil {
		log.Fatal(err.Error())
	}
}

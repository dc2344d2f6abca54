// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import "os"

// logSwitches are the variables with which a user asks Terraform (and so its
// providers, which inherit its environment) for logs.
var logSwitches = []string{
	"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_MOLECULE",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
}

// quietLogsUnlessAsked turns the plugin SDK's, the framework's and our own
// log levels off when the user asked for no logs. Otherwise they default to
// TRACE: every line is encoded as JSON on stderr and Terraform parses each one
// only to drop it, which costs a fleet plan about a third of the CPU of both
// processes.
func quietLogsUnlessAsked() {
	for _, k := range logSwitches {
		if os.Getenv(k) != "" {
			return
		}
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_MOLECULE"} {
		_ = os.Setenv(k, "off")
	}
}

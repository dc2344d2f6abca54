// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"os"
	"runtime/debug"
)

// The provider process changes two process-wide settings at start-up, both
// for the CPU a fleet plan costs, and both only when the user has not chosen
// for themselves (README, "Developing"):
//
//   - the garbage collector's target (GOGC), see tuneGCUnlessSet;
//   - the plugin SDK's, the framework's and our own log levels, see
//     quietLogsUnlessAsked.

// fleetGCPercent is the garbage collector's target unless GOGC says otherwise.
// The plugin framework allocates about 4 MB of short-lived garbage per
// workspace per plan (it rebuilds the schema's attribute map at every step of
// every attribute path) while the live heap stays small, so the default
// target of 100 collects very often: 400 takes a quarter off the provider's
// CPU on a fleet plan for some 30 MB more resident memory.
const fleetGCPercent = 400

// tuneGCUnlessSet sets the GC target to fleetGCPercent unless GOGC is set.
func tuneGCUnlessSet() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(fleetGCPercent)
	}
}

// logSwitches are the variables with which a user asks Terraform (and so its
// providers, which inherit its environment) for logs.
var logSwitches = []string{
	"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_MOLECULE",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
}

// quietedLogs are the log levels quietLogsUnlessAsked turns off.
var quietedLogs = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_MOLECULE"}

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
	for _, k := range quietedLogs {
		_ = os.Setenv(k, "off")
	}
}

// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Package procsettings holds the process-wide settings a provider process
// takes at start-up, and the usage it reports at its end when asked: the
// provider's main and the fleet benchmark's engine-free provider both apply
// them, so both are measured alike.
package procsettings

import (
	"os"
	"runtime/debug"
)

// The provider process changes two process-wide settings at start-up, both
// for the CPU a fleet plan costs, and both only when the user has not chosen
// for themselves (README, "Developing"):
//
//   - the garbage collector's target (GOGC) and soft memory limit
//     (GOMEMLIMIT), see TuneGCUnlessSet;
//   - the plugin SDK's, the framework's and our own log levels, see
//     QuietLogsUnlessAsked.

// fleetGCPercent is the garbage collector's target unless GOGC says otherwise.
// The plugin framework allocates about 4 MB of short-lived garbage per
// workspace per plan (it rebuilds the schema's attribute map at every step of
// every attribute path) while the live heap stays small, so the default
// target of 100 collects very often: 400 takes a quarter off the provider's
// CPU on a fleet plan for some 30 MB more resident memory.
const fleetGCPercent = 400

// fleetMemoryLimit is the garbage collector's soft memory limit unless
// GOMEMLIMIT says otherwise. With fleetGCPercent alone the heap may grow to
// five times what is live, and what is live while a plan of hundreds of
// workspaces is in flight grows with the fleet: the limit makes the collector
// work harder only near it, so a small fleet keeps the cheap target and a
// large one stays within a bounded resident size.
const fleetMemoryLimit = 160 << 20

// TuneGCUnlessSet sets the GC target to fleetGCPercent unless GOGC is set,
// and the soft memory limit to fleetMemoryLimit unless GOMEMLIMIT is set.
func TuneGCUnlessSet() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(fleetGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(fleetMemoryLimit)
	}
}

// logSwitches are the variables with which a user asks Terraform (and so its
// providers, which inherit its environment) for logs.
var logSwitches = []string{
	"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_MOLECULE",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
}

// quietedLogs are the log levels QuietLogsUnlessAsked turns off.
var quietedLogs = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_MOLECULE"}

// QuietLogsUnlessAsked turns the plugin SDK's, the framework's and our own
// log levels off when the user asked for no logs. Otherwise they default to
// TRACE: every line is encoded as JSON on stderr and Terraform parses each one
// only to drop it, which costs a fleet plan about a third of the CPU of both
// processes.
func QuietLogsUnlessAsked() {
	for _, k := range logSwitches {
		if os.Getenv(k) != "" {
			return
		}
	}
	for _, k := range quietedLogs {
		_ = os.Setenv(k, "off")
	}
}

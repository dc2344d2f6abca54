// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command pause is the test cluster's pod sandbox process: it holds the pod's
// namespaces and waits until it is told to stop. It is the only file of the
// local pause image (FROM scratch), since no image can be pulled here.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As PID 1 of the sandbox it may inherit orphans: reap them.
	children := make(chan os.Signal, 1)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			os.Exit(0)
		case <-children:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}

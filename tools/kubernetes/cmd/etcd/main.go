// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

// Command etcd is etcd's own server main, built from the Go module so the test
// cluster needs no download (scripts/ensure-kubernetes.sh).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

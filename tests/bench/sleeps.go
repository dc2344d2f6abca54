// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// fixedSleeps lists every time.Sleep in the provider's own code (tests and
// tools aside): waiting must use the engine's events or bounded polling with
// backoff, never a fixed sleep. The bench runs from the repository root.
func fixedSleeps(root string) ([]string, error) {
	var found []string
	dirs := []string{filepath.Join(root, "internal"), root}
	for i, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if i == 1 && path != root { // the root's own files only
					return filepath.SkipDir
				}
				if strings.HasSuffix(path, "acctest") { // test support
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			hits, err := grepSleep(path)
			found = append(found, hits...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

func grepSleep(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hits []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "time.Sleep(") {
			hits = append(hits, fmt.Sprintf("%s:%d", file, n))
		}
	}
	return hits, sc.Err()
}

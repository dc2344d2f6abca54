// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"os"
	"strings"
	"time"
)

// ProviderLogLine is one entry the provider logged, as terraform writes it to
// TF_LOG_PATH: "<time> [LEVEL]  provider.terraform-provider-molecule: <msg>: k=v ...".
type ProviderLogLine struct {
	Time    time.Time
	Level   string
	Message string
	Line    string
}

const providerLogMarker = " provider.terraform-provider-molecule: "

// ReadProviderLog returns the provider's entries of a terraform log file
// that mention every one of the given strings (say, a workspace id). An entry
// is a line with a timestamp plus the lines that continue it (fields whose
// values hold newlines, such as a diagnostic's detail).
func ReadProviderLog(path string, mentioning ...string) ([]ProviderLogLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries []string
	for _, line := range strings.Split(string(data), "\n") {
		stamp, _, _ := strings.Cut(line, " ")
		if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil && len(entries) > 0 {
			entries[len(entries)-1] += "\n" + line
			continue
		}
		entries = append(entries, line)
	}
	var out []ProviderLogLine
entries:
	for _, entry := range entries {
		head, rest, ok := strings.Cut(entry, providerLogMarker)
		if !ok {
			continue
		}
		for _, m := range mentioning {
			if !strings.Contains(rest, m) {
				continue entries
			}
		}
		stamp, level, _ := strings.Cut(head, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			continue
		}
		msg, _, _ := strings.Cut(rest, ": ")
		out = append(out, ProviderLogLine{Time: at, Level: strings.Trim(strings.TrimSpace(level), "[]"), Message: msg, Line: entry})
	}
	return out, nil
}

// Field returns the value of a key=value field of the line ("" if absent).
// Values with spaces are not supported; the ids and names we look up have none.
func (l ProviderLogLine) Field(key string) string {
	for _, f := range strings.Fields(l.Line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

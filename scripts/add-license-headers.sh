#!/usr/bin/env bash
# Puts the copyright and SPDX header on every Go file of the repository.
#
#   scripts/add-license-headers.sh           add the header where it is missing
#   scripts/add-license-headers.sh --check   list files without it; exit 1 if any
#
# Idempotent: a file that already starts with the header is left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HEADER_COPYRIGHT="// Copyright (c) Molecule AI"
HEADER_SPDX="// SPDX-License-Identifier: MPL-2.0"

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

has_header() {
  [ "$(sed -n 1p "$1")" = "$HEADER_COPYRIGHT" ] && [ "$(sed -n 2p "$1")" = "$HEADER_SPDX" ]
}

missing=()
# Tracked and new (not ignored) files, so a file not yet committed is covered too.
while IFS= read -r f; do
  [ -f "$f" ] || continue
  has_header "$f" && continue
  missing+=("$f")
  if [ "$check" = 0 ]; then
    tmp="$(mktemp "$f.XXXXXX")"
    { printf '%s\n%s\n\n' "$HEADER_COPYRIGHT" "$HEADER_SPDX"; cat "$f"; } >"$tmp"
    chmod --reference="$f" "$tmp"
    mv "$tmp" "$f"
  fi
done < <(git ls-files --cached --others --exclude-standard -- '*.go' | sort -u)

if [ "$check" = 1 ]; then
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Go files without the license header (run scripts/add-license-headers.sh):" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
  fi
  echo "license headers: all Go files carry them"
else
  echo "license headers: added to ${#missing[@]} file(s)"
fi

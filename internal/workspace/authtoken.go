// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package workspace

// AuthTokenFile is where the runtime reads its platform token, relative to
// /configs. It is written apart from the config files, so its content never
// enters their hashes (and so never the state), and import skips it.
const AuthTokenFile = ".auth_token"

// AuthTokenMode: the token is readable by the agent user only.
const AuthTokenMode = 0o600

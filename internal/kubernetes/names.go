// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"fmt"
	"regexp"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// Every object of a workspace is named from workspace.ContainerName
// (ws-<id12>), the same prefix as on Docker: the Deployment and the Service
// take it as is; the claims take the Docker volume names; the Secrets add a
// suffix of their own.

// EnvSecretName is the Secret holding the workspace's environment.
func EnvSecretName(workspaceID string) string {
	return workspace.ContainerName(workspaceID) + "-env"
}

// ConfigSecretName is the Secret holding the config files (and the platform
// token) that the init container writes into the /configs claim.
func ConfigSecretName(workspaceID string) string {
	return workspace.ContainerName(workspaceID) + "-config"
}

// InternalURL is the agent's address inside the cluster: the Service's
// name in namespace.
func InternalURL(workspaceID, namespace string) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", workspace.ContainerName(workspaceID), namespace, workspace.AgentPort)
}

// Roles of the objects only Kubernetes has (the others are provisioner's).
const (
	RoleService      = "service"
	RoleEnvSecret    = "env-secret"
	RoleConfigSecret = "config-secret"
	RoleNamespace    = "namespace"
)

// Annotations recording the spec where label values cannot hold it (free
// text, comma lists): the same keys as the Docker backend's labels.
const (
	// AnnotationConfigHashes holds the JSON relpath -> hash of the files
	// the config Secret puts into /configs (workspace.ExpectedHashes).
	AnnotationConfigHashes = "ai.molecule.terraform.config-hashes"
	// AnnotationConfigDigest and AnnotationEnvDigest, on the pod template,
	// roll the pod when the Secrets' contents change.
	AnnotationConfigDigest = "ai.molecule.terraform.config-digest"
	AnnotationEnvDigest    = "ai.molecule.terraform.env-digest"
)

// dnsLabelID is what a workspace id's first 12 characters must look like
// for ws-<id12> to be a Service name (an RFC 1035 label: lower case letters,
// digits and '-', not ending in '-'); the whole id must also fit a label
// value (63 characters).
var dnsLabelID = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// maxLabelValue is Kubernetes' limit on a label value.
const maxLabelValue = 63

// ValidateWorkspaceID says why an id cannot name a workspace's objects on
// Kubernetes, or nil. Docker accepts more (upper case, '_', '.'); platform
// ids are UUIDs, which fit both.
func ValidateWorkspaceID(id string) error {
	short := workspace.ShortID(id)
	switch {
	case len(id) > maxLabelValue:
		return fmt.Errorf("workspace_id is %d characters long; on Kubernetes it is a label value, limited to %d characters", len(id), maxLabelValue)
	case !dnsLabelID.MatchString(short):
		return fmt.Errorf("workspace_id %q: on Kubernetes its first %d characters (%q) name a Service, so they may hold only lower case letters, digits and '-', and must start and end with a letter or digit", id, workspace.ShortIDLength, short)
	case !validLabelValue(id):
		return fmt.Errorf("workspace_id %q: on Kubernetes it is a label value, which must start and end with a letter or digit", id)
	}
	return nil
}

var labelValuePattern = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)

func validLabelValue(v string) bool {
	return len(v) <= maxLabelValue && labelValuePattern.MatchString(v)
}

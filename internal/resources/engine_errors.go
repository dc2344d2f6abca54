// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/molecule-ai/terraform-provider-molecule/internal/platform"
	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
)

// The backends' errors name no Terraform attribute; what to change in
// the configuration is added here, where the attributes are known.

// engineErrorDetail is the detail of a failed create, update or read: the
// backend's message plus the fix in terms of this resource's attributes.
func engineErrorDetail(err error) string {
	var notReady *workspace.NotReadyError
	var volumeTaken *workspace.VolumeTakenError
	var missingImage *workspace.MissingImageError
	var registry *workspace.RegistryError
	var refused *platform.APIError
	var crash *workspace.CrashError
	switch {
	case errors.As(err, &refused) && refused.Status == http.StatusUnauthorized:
		return err.Error() + " (check the provider's platform_admin_token or MOLECULE_ADMIN_TOKEN)"
	case errors.As(err, &registry):
		return strings.Replace(err.Error(), registry.Error(), registryErrorDetail(registry), 1)
	case errors.As(err, &missingImage):
		return err.Error() + "; " + missingImageFix()
	case errors.As(err, &notReady):
		return err.Error() + "\nRaise the create timeout, or set wait_for_ready = false."
	case errors.As(err, &volumeTaken):
		return err.Error() + " (workspace_id)."
	case errors.As(err, &crash) && crash.OOMKilled:
		return err.Error() + "\nIt needed more memory than its limit: raise memory_mb."
	case errors.As(err, &crash) && crash.ExitCode == workspace.SIGKILLExitCode:
		return err.Error() + "\nExit code 137 is a SIGKILL: unless something outside killed it, that is the kernel's OOM killer, " +
			"which the engine does not always report for an agent killed within moments of its start. Raise memory_mb if it needs more memory."
	}
	return err.Error()
}

// accessErrorDetail words a *workspace.AccessError with the attributes.
func accessErrorDetail(err error) string {
	var access *workspace.AccessError
	if !errors.As(err, &access) {
		return err.Error()
	}
	if access.Unknown {
		return "workspace_access " + quotedValue(access.Access) + " is not one of " + quoted(workspace.AccessModes) + "."
	}
	return "workspace_access " + quotedValue(access.Access) + " needs a host directory: set workspace_path, or use workspace_access = " + quotedValue(workspace.AccessNone) + "."
}

// hostDirErrorDetail words a *workspace.HostDirError as workspace_path's.
func hostDirErrorDetail(err error) string {
	var dir *workspace.HostDirError
	if errors.As(err, &dir) {
		return "workspace_path " + dir.Error()
	}
	return err.Error()
}

func quotedValue(s string) string { return `"` + s + `"` }

// missingImageDetail words a *workspace.MissingImageError with the
// attributes that choose and fetch the image.
func missingImageDetail(m *workspace.MissingImageError) string {
	return fmt.Sprintf("image %q is not present on the Docker engine and image_pull is %q: pull, build or load it on this engine (docker pull %s), %s",
		m.Ref, workspace.PullNever, m.Ref, missingImageFix())
}

// missingImageFix is what to change in the configuration for a missing image.
func missingImageFix() string {
	return fmt.Sprintf("set image_pull = %q to let the provider pull it, or point runtime_images/image at an image that exists", workspace.PullMissing)
}

// registryErrorDetail is a *workspace.RegistryError's message with advice
// in terms of the attributes that name images and logins.
func registryErrorDetail(r *workspace.RegistryError) string {
	return r.Message(r.Advice(workspace.RegistryAdviceWords{
		Mirror:   "point image_registry/runtime_images at a mirror that it can reach",
		AddLogin: "add a registry_auth block for it to the provider",
		CheckRef: "check the name (image, runtime_images, image_registry)",
	}))
}

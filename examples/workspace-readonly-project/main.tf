# One workspace that sees a project directory of the host at /workspace,
# read-only: the agent can read the code but not change it.

terraform {
  required_version = ">= 1.5"

  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}

variable "project_dir" {
  description = "Absolute path of the project directory on the engine's host. It must exist; Terraform never deletes it."
  type        = string
}

variable "workspace_id" {
  description = "Platform id of the workspace."
  type        = string
  default     = "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d"
}

variable "runtime_images" {
  description = "Runtime name to image, over the provider's defaults."
  type        = map(string)
  default     = {}
}

provider "molecule" {
  runtime_images = var.runtime_images
}

resource "molecule_network" "this" {
  name = "molecule-readonly-example"
}

resource "molecule_workspace" "reviewer" {
  workspace_id     = var.workspace_id
  name             = "Code reviewer"
  runtime          = "claude-code"
  network          = molecule_network.this.name
  workspace_path   = var.project_dir
  workspace_access = "read_only" # bound as <project_dir>:/workspace:ro

  config_files = {
    "config.yaml" = yamlencode({
      name        = "Code reviewer"
      description = "Reviews the project at /workspace without changing it"
      runtime     = "claude-code"
      tier        = 2
    })
  }
}

output "host_url" {
  value = molecule_workspace.reviewer.host_url
}

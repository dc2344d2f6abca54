variable "engine_a_host" {
  description = "Docker engine A (provider alias molecule.a)."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "engine_b_host" {
  description = "Docker engine B (provider alias molecule.b). scripts/ensure-docker.sh --second starts one here."
  type        = string
  default     = "unix:///var/run/molecule-docker2.sock"
}

variable "workspaces" {
  description = <<-EOT
    The fleet, by workspace id (Docker names use its first 12 characters, which
    must differ between workspaces on one engine). engine = "a" or "b" pins a
    workspace to an engine; without it the engine is picked from a hash of the
    id, so adding or removing workspaces never moves the others.
  EOT
  type = map(object({
    engine      = optional(string)
    name        = optional(string)
    runtime     = optional(string, "langgraph")
    tier        = optional(number, 2)
    model       = optional(string, "")
    description = optional(string, "")
  }))
  default = {
    "3f6c1d2e-0a1b-4c5d-8e9f-a0b1c2d3e4f5" = { name = "Planner" }
    "5a7e3f40-2c3d-4e5f-9a0b-c1d2e3f4a5b6" = { name = "Researcher" }
    "6b8f4051-3d4e-4f60-8b1c-d2e3f4a5b6c7" = { name = "Writer", runtime = "crewai" }
    "7c905162-4e5f-4071-9c2d-e3f4a5b6c7d2" = { name = "Reviewer", tier = 1 }
  }

  validation {
    condition     = alltrue([for w in var.workspaces : w.engine == null || contains(["a", "b"], coalesce(w.engine, "a"))])
    error_message = "engine must be \"a\" or \"b\" (or left out to spread by hash)."
  }
}

variable "network" {
  description = "Name of the Docker network created for the fleet on each engine."
  type        = string
  default     = "molecule-fleet-net"
}

variable "platform_url" {
  description = "Molecule AI platform URL given to every workspace (PLATFORM_URL)."
  type        = string
  default     = ""
}

variable "runtime_images" {
  description = "Runtime name to image, over the provider's defaults (<image_registry>/workspace-template-<runtime>:latest), on both engines."
  type        = map(string)
  default     = {}
}

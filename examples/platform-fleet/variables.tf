variable "platform_url" {
  description = "URL the agents use to reach the Molecule platform (PLATFORM_URL in each container)."
  type        = string
}

variable "platform_api_url" {
  description = "URL Terraform uses to reach the platform's API, when it differs from platform_url (e.g. http://localhost:8080 while agents use http://host.docker.internal:8080). Empty: platform_url."
  type        = string
  default     = ""
}

variable "platform_admin_token" {
  description = "The platform's ADMIN_TOKEN. Empty: the MOLECULE_ADMIN_TOKEN environment variable."
  type        = string
  sensitive   = true
  default     = ""
}

variable "docker_host" {
  description = "Docker engine. Empty: DOCKER_HOST, else the local socket."
  type        = string
  default     = ""
}

variable "network" {
  description = "Docker network the fleet joins (created here)."
  type        = string
  default     = "molecule-platform-fleet"
}

variable "runtime_images" {
  description = "Runtime -> image overrides for the provider (e.g. your own builds)."
  type        = map(string)
  default     = {}
}

variable "agents" {
  description = "The fleet: key -> name, runtime, role and, optionally, the parent's key."
  type = map(object({
    name    = string
    runtime = optional(string, "langgraph")
    role    = optional(string, "")
    parent  = optional(string)
  }))
  default = {
    lead       = { name = "Lead", role = "Plans and delegates" }
    researcher = { name = "Researcher", role = "Finds sources", parent = "lead" }
  }
}

variable "token_version" {
  description = "Bump to write the workspaces' platform tokens again (replaces the containers, keeps the volumes)."
  type        = number
  default     = 1
}

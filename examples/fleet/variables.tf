variable "agents_file" {
  description = "YAML file listing the agents (see agents.yaml). Default: agents.yaml beside this configuration."
  type        = string
  default     = ""
}

variable "network" {
  description = "Name of the Docker network created for the fleet."
  type        = string
  default     = "molecule-fleet-net"
}

variable "docker_host" {
  description = "Docker engine to run the fleet on. Default: DOCKER_HOST, else the local socket."
  type        = string
  default     = null
}

variable "platform_url" {
  description = "Molecule AI platform URL given to every agent (PLATFORM_URL)."
  type        = string
  default     = ""
}

variable "runtime_images" {
  description = "Runtime name to image, over the provider's defaults (<image_registry>/workspace-template-<runtime>:latest)."
  type        = map(string)
  default     = {}
}

variable "image_registry" {
  description = "Registry (host and namespace) of the default images: a mirror or a private registry. Default: MOLECULE_IMAGE_REGISTRY, else ghcr.io/molecule-ai."
  type        = string
  default     = null
}

variable "image_pull" {
  description = "Pull policy: missing (default), always (plan shows a new digest as a replacement) or never."
  type        = string
  default     = null
}

variable "registry_auth" {
  description = "Registry logins (address, username, password) for private registries; the Docker client configuration serves the others."
  type        = list(object({ address = string, username = string, password = string }))
  default     = []
  sensitive   = true
}

variable "agent_env" {
  description = "Environment (API keys) per agent id, merged over the agent's own env from the YAML file."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

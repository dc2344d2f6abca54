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
  description = "Runtime name to image, over the provider's defaults (workspace-template:<runtime>)."
  type        = map(string)
  default     = {}
}

variable "agent_env" {
  description = "Environment (API keys) per agent id, merged over the agent's own env from the YAML file."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

variable "agents_file" {
  description = "YAML file listing the agents (see agents.yaml). Default: agents.yaml beside this configuration."
  type        = string
  default     = ""
}

variable "kubeconfig" {
  description = "kubeconfig of the cluster. Default: KUBECONFIG, else ~/.kube/config."
  type        = string
  default     = null
}

variable "kube_context" {
  description = "Context of the kubeconfig. Default: its current context."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of the fleet; created when absent."
  type        = string
  default     = "molecule"
}

variable "storage_class" {
  description = "StorageClass of the agents' /configs and /workspace claims. Default: the cluster's default class."
  type        = string
  default     = null
}

variable "config_init_image" {
  description = "Image of the init container that writes the config files into /configs. Default: the provider's."
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
  description = "Registry (host and namespace) of the default images. Default: MOLECULE_IMAGE_REGISTRY, else ghcr.io/molecule-ai."
  type        = string
  default     = null
}

variable "image_pull" {
  description = "Pull policy: missing (default; imagePullPolicy IfNotPresent), always (Always) or never (Never)."
  type        = string
  default     = null
}

variable "agent_env" {
  description = "Extra environment per agent id (API keys), merged over the YAML's env. Kept in each agent's Secret."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

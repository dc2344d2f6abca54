variable "agents_file" {
  description = "YAML file listing the agents (see agents.yaml). Default: agents.yaml beside this configuration."
  type        = string
  default     = ""
}

variable "kubeconfig" {
  description = "Kubeconfig file of the cluster. Default: KUBECONFIG, else ~/.kube/config."
  type        = string
  default     = null
}

variable "kube_context" {
  description = "Context of the kubeconfig to use. Default: its current context."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of the fleet; created (and labelled as the provider's) when absent."
  type        = string
  default     = "molecule"
}

variable "storage_class" {
  description = "StorageClass of the workspaces' claims. Default: the cluster's default class."
  type        = string
  default     = null
}

variable "config_init_image" {
  description = "Image of molecule-configinit, the init container that puts the config files into /configs. Default: the provider's."
  type        = string
  default     = null
}

variable "platform_url" {
  description = "Molecule AI platform URL given to every agent (PLATFORM_URL); it must resolve inside the pods."
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
  description = "Pull policy, as the pods' imagePullPolicy: missing (IfNotPresent, default), always (Always) or never (Never)."
  type        = string
  default     = null
}

variable "agent_env" {
  description = "Environment (API keys) per agent id, merged over the agent's own env from the YAML file."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

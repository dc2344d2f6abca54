# The YAML fleet on a Kubernetes cluster: one molecule_workspace per entry of
# agents.yaml, each a Deployment, a Service, claims and Secrets in one
# namespace. Add, remove or edit an entry and apply.

locals {
  agents_file = var.agents_file != "" ? var.agents_file : "${path.module}/agents.yaml"
  agents      = { for a in yamldecode(file(local.agents_file)).agents : a.id => a }
}

provider "molecule" {
  platform_url   = var.platform_url
  runtime_images = var.runtime_images
  image_registry = var.image_registry
  image_pull     = var.image_pull

  kubernetes {
    config_path       = var.kubeconfig
    config_context    = var.kube_context
    namespace         = var.namespace
    storage_class     = var.storage_class
    config_init_image = var.config_init_image
  }
}

resource "molecule_workspace" "agent" {
  for_each = local.agents

  workspace_id = each.key
  name         = each.value.name
  runtime      = each.value.runtime
  tier         = try(each.value.tier, 2)
  memory_mb    = try(each.value.memory_mb, null)
  cpus         = try(each.value.cpus, null) # requested and limited: the scheduler places pods by it

  # The runtime reads /configs/config.yaml; every key is optional.
  config_files = {
    "config.yaml" = yamlencode({
      name        = each.value.name
      description = try(each.value.description, "")
      version     = try(each.value.version, "1.0.0")
      tier        = try(each.value.tier, 2)
      runtime     = each.value.runtime
      model       = try(each.value.model, "")
    })
  }

  env    = merge(try(each.value.env, {}), lookup(var.agent_env, each.key, {}))
  labels = merge({ fleet = var.namespace }, try(each.value.labels, {}))
}

# A fleet of agents declared in a YAML file: one molecule_workspace per entry,
# all on one network created for them. Add, remove or edit an entry and apply.

locals {
  agents_file = var.agents_file != "" ? var.agents_file : "${path.module}/agents.yaml"
  agents      = { for a in yamldecode(file(local.agents_file)).agents : a.id => a }
}

provider "molecule" {
  host           = var.docker_host
  platform_url   = var.platform_url
  runtime_images = var.runtime_images
  image_registry = var.image_registry
  image_pull     = var.image_pull
  registry_auth  = var.registry_auth
}

resource "molecule_network" "fleet" {
  name = var.network
}

resource "molecule_workspace" "agent" {
  for_each = local.agents

  workspace_id = each.key
  name         = each.value.name
  runtime      = each.value.runtime
  tier         = try(each.value.tier, 2)
  memory_mb    = try(each.value.memory_mb, null)
  network      = molecule_network.fleet.name

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
  labels = merge({ fleet = var.network }, try(each.value.labels, {}))
}

# One fleet across two Docker engines: a provider alias per engine, a network
# on each, and every workspace on one of them. Destroy removes the workspaces
# and networks from both.

provider "molecule" {
  alias          = "a"
  host           = var.engine_a_host
  platform_url   = var.platform_url
  runtime_images = var.runtime_images
}

provider "molecule" {
  alias          = "b"
  host           = var.engine_b_host
  platform_url   = var.platform_url
  runtime_images = var.runtime_images
}

locals {
  # A resource's provider cannot vary per instance, so each engine gets its
  # own resource block over its share of the fleet. Without a pinned engine,
  # the first byte of the id's SHA-1 decides: stable and even.
  engine = {
    for id, w in var.workspaces :
    id => coalesce(w.engine, parseint(substr(sha1(id), 0, 2), 16) % 2 == 0 ? "a" : "b")
  }
  on_a = { for id, w in var.workspaces : id => w if local.engine[id] == "a" }
  on_b = { for id, w in var.workspaces : id => w if local.engine[id] == "b" }

  # The runtime reads /configs/config.yaml; every key is optional.
  config_yaml = {
    for id, w in var.workspaces : id => yamlencode({
      name        = coalesce(w.name, id)
      description = w.description
      version     = "1.0.0"
      tier        = w.tier
      runtime     = w.runtime
      model       = w.model
    })
  }
}

resource "molecule_network" "a" {
  provider = molecule.a
  name     = var.network
}

resource "molecule_network" "b" {
  provider = molecule.b
  name     = var.network
}

resource "molecule_workspace" "a" {
  provider = molecule.a
  for_each = local.on_a

  workspace_id = each.key
  name         = each.value.name
  runtime      = each.value.runtime
  tier         = each.value.tier
  network      = molecule_network.a.name
  config_files = { "config.yaml" = local.config_yaml[each.key] }
  labels       = { fleet = var.network, engine = "a" }
}

resource "molecule_workspace" "b" {
  provider = molecule.b
  for_each = local.on_b

  workspace_id = each.key
  name         = each.value.name
  runtime      = each.value.runtime
  tier         = each.value.tier
  network      = molecule_network.b.name
  config_files = { "config.yaml" = local.config_yaml[each.key] }
  labels       = { fleet = var.network, engine = "b" }
}

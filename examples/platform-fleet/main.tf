# A fleet that runs next to the Molecule platform: every agent has a platform
# record (created external, so the platform never removes or restarts its
# container) and a container that runs it with the record's token.

provider "molecule" {
  host                 = var.docker_host
  platform_url         = var.platform_url
  platform_api_url     = var.platform_api_url != "" ? var.platform_api_url : null
  platform_admin_token = var.platform_admin_token != "" ? var.platform_admin_token : null
  runtime_images       = var.runtime_images
}

resource "molecule_network" "fleet" {
  name = var.network
}

# Parents first: their ids are the children's parent_id.
resource "molecule_platform_workspace" "parent" {
  for_each = { for k, a in var.agents : k => a if a.parent == null }

  name = each.value.name
  role = each.value.role
}

resource "molecule_platform_workspace" "child" {
  for_each = { for k, a in var.agents : k => a if a.parent != null }

  name      = each.value.name
  role      = each.value.role
  parent_id = molecule_platform_workspace.parent[each.value.parent].id
}

locals {
  records = merge(molecule_platform_workspace.parent, molecule_platform_workspace.child)
}

resource "molecule_workspace" "agent" {
  for_each = var.agents

  # The record's id: destroy removes this container and its volumes before
  # the record, since the workspace depends on it.
  workspace_id = local.records[each.key].id
  name         = each.value.name
  runtime      = each.value.runtime
  network      = molecule_network.fleet.name

  config_files = {
    "config.yaml" = yamlencode({ name = each.value.name, runtime = each.value.runtime })
  }

  # Written to /configs/.auth_token (mode 0600) before the container starts;
  # never in the plan or the state of this resource.
  platform_token_wo         = local.records[each.key].auth_token
  platform_token_wo_version = var.token_version
}

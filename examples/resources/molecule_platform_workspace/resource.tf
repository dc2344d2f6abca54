# The platform's record of one workspace, created external, and the
# container that runs it. Destroy removes the container and its volumes
# first, then the record (the workspace depends on the record).
resource "molecule_platform_workspace" "researcher" {
  name                 = "researcher"
  role                 = "Finds and summarises sources"
  max_concurrent_tasks = 2
}

resource "molecule_workspace" "researcher" {
  workspace_id = molecule_platform_workspace.researcher.id
  name         = "researcher"

  config_files = {
    "config.yaml" = yamlencode({ name = "researcher", runtime = "langgraph" })
  }

  # Written to /configs/.auth_token (mode 0600) before start; never stored.
  platform_token_wo         = molecule_platform_workspace.researcher.auth_token
  platform_token_wo_version = 1
}

# The network a fleet's workspaces join; peers reach each other at
# http://ws-<first 12 characters of workspace_id>:8000.
resource "molecule_network" "fleet" {
  name = "molecule-fleet-net"

  labels = {
    team = "research"
  }
}

resource "molecule_workspace" "agent" {
  workspace_id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
  network      = molecule_network.fleet.name
  config_files = {
    "config.yaml" = yamlencode({ name = "agent", runtime = "langgraph" })
  }
}

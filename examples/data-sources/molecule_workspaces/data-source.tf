# Every workspace this provider manages on the engine, from any configuration.
data "molecule_workspaces" "all" {}

# Narrowed: running crewai workspaces of one team.
data "molecule_workspaces" "research_crews" {
  runtime = "crewai"
  status  = "running"
  labels  = { team = "research" }
}

# Orphans: workspaces on the engine that this configuration does not manage
# (compare with the ids you declare), and volumes no container uses.
locals {
  declared_ids = ["3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"]
}

output "orphan_workspace_ids" {
  value = setsubtract(data.molecule_workspaces.all.ids, local.declared_ids)
}

output "detached_volumes" {
  value = [for v in data.molecule_workspaces.all.detached_volumes : v.name]
}

output "research_crew_urls" {
  value = { for w in data.molecule_workspaces.research_crews.workspaces : w.name => w.host_url }
}

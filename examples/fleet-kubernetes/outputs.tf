output "internal_urls" {
  description = "Each agent's URL inside the cluster (its Service), by workspace id."
  value       = { for id, w in molecule_workspace.agent : id => w.internal_url }
}

output "agents" {
  description = "Name, runtime, tier and status of each agent, by workspace id."
  value = {
    for id, w in molecule_workspace.agent : id => {
      name       = w.name
      runtime    = w.runtime
      tier       = w.tier
      status     = w.status
      deployment = w.container_name
    }
  }
}

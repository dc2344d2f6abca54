output "internal_urls" {
  description = "Each agent's in-cluster URL (its Service), by workspace id."
  value       = { for id, w in molecule_workspace.agent : id => w.internal_url }
}

output "agents" {
  description = "Name, runtime, tier and status of each agent, by workspace id."
  value = {
    for id, w in molecule_workspace.agent : id => {
      name    = w.name
      runtime = w.runtime
      tier    = w.tier
      status  = w.status
      image   = w.image
    }
  }
}

output "summary" {
  description = "One line per agent: name, runtime, tier, status, in-cluster URL."
  value = join("\n", [
    for id, w in molecule_workspace.agent :
    format("%-12s %-12s tier %d  %-8s %s", w.name, w.runtime, w.tier, w.status, w.internal_url)
  ])
}

output "host_urls" {
  description = "Each agent's URL from the engine's host, by workspace id."
  value       = { for id, w in molecule_workspace.agent : id => w.host_url }
}

output "internal_urls" {
  description = "Each agent's URL for its peers on the fleet network."
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
      digest  = w.image_digest
    }
  }
}

output "summary" {
  description = "One line per agent: name, runtime, tier, status, host URL, internal URL."
  value = join("\n", [
    for id, w in molecule_workspace.agent :
    format("%-12s %-12s tier %d  %-8s %-24s %s", w.name, w.runtime, w.tier, w.status, w.host_url, w.internal_url)
  ])
}

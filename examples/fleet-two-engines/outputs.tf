output "engines" {
  description = "Engine (a or b) of each workspace, by workspace id."
  value       = local.engine
}

output "host_urls" {
  description = "Each workspace's URL from its engine's host, by workspace id."
  value = merge(
    { for id, w in molecule_workspace.a : id => w.host_url },
    { for id, w in molecule_workspace.b : id => w.host_url },
  )
}

output "container_ids" {
  description = "Each workspace's container ID on its engine, by workspace id."
  value = merge(
    { for id, w in molecule_workspace.a : id => w.container_id },
    { for id, w in molecule_workspace.b : id => w.container_id },
  )
}

output "summary" {
  description = "One line per workspace: engine, name, runtime, status, host URL."
  value = join("\n", concat(
    [for id, w in molecule_workspace.a : format("a  %-12s %-10s %-8s %s", w.name, w.runtime, w.status, w.host_url)],
    [for id, w in molecule_workspace.b : format("b  %-12s %-10s %-8s %s", w.name, w.runtime, w.status, w.host_url)],
  ))
}

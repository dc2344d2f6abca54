output "workspace_ids" {
  description = "Agent key -> the workspace id the platform chose."
  value       = { for k, r in local.records : k => r.id }
}

output "internal_urls" {
  description = "Agent key -> its A2A URL on the fleet network."
  value       = { for k, w in molecule_workspace.agent : k => w.internal_url }
}

output "platform_status" {
  description = "Agent key -> the platform's status for it at the last refresh."
  value       = { for k, r in local.records : k => r.status }
}

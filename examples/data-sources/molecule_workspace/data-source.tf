# Look up a workspace that another Terraform configuration manages (it must carry
# this provider's labels: a container the platform made is not found).
data "molecule_workspace" "researcher" {
  workspace_id = "3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
}

output "researcher" {
  value = {
    status       = data.molecule_workspace.researcher.status
    host_url     = data.molecule_workspace.researcher.host_url
    internal_url = data.molecule_workspace.researcher.internal_url
    image        = data.molecule_workspace.researcher.image
  }
}

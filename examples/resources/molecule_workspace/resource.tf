# A standard (tier 2) workspace whose config.yaml is written by Terraform.
resource "molecule_workspace" "researcher" {
  workspace_id = "3f0c5a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"
  name         = "Researcher"
  runtime      = "langgraph"

  config_files = {
    "config.yaml" = yamlencode({
      name        = "Researcher"
      description = "Reads papers and writes summaries"
      version     = "1.0.0"
      tier        = 2
      runtime     = "langgraph"
      model       = "anthropic:claude-sonnet-4-5"
    })
  }

  env = {
    ANTHROPIC_API_KEY = var.anthropic_api_key
  }

  labels = {
    team = "research"
  }
}

# A sandboxed (tier 1) workspace built from a template directory: no
# /workspace, read-only root filesystem, small tmpfs /tmp.
resource "molecule_workspace" "sandbox" {
  workspace_id  = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
  runtime       = "claude-code"
  tier          = 1
  template_path = abspath("${path.module}/templates/sandbox")
  memory_mb     = 256
}

variable "anthropic_api_key" {
  type      = string
  sensitive = true
}

output "researcher_url" {
  value = molecule_workspace.researcher.host_url
}

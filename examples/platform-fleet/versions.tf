terraform {
  # Write-only arguments (platform_token_wo) need Terraform 1.11.
  required_version = ">= 1.11"

  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}

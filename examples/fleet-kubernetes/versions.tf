terraform {
  required_version = ">= 1.5"

  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}

terraform {
  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}

# The local engine (DOCKER_HOST, else unix:///var/run/docker.sock) with the
# platform's published images (ghcr.io/molecule-ai/workspace-template-<runtime>:latest),
# pulled when missing.
provider "molecule" {
  platform_url = "http://host.docker.internal:8080"
}

# The same images from a private mirror, checked for a newer digest at every
# plan, one runtime pinned to a digest and one to a local build.
variable "registry_token" {
  type      = string
  sensitive = true
}

provider "molecule" {
  alias          = "mirror"
  image_registry = "registry.example.com/molecule"
  image_pull     = "always"
  registry_auth = [{
    address  = "registry.example.com"
    username = "deploy"
    password = var.registry_token
  }]
  runtime_images = {
    claude-code = "registry.example.com/molecule/workspace-template-claude-code:latest@sha256:2f1d0b6e4c8a9f7e5d3b1a0c9e8f7d6c5b4a39281706f5e4d3c2b1a098f7e6d5"
    hermes      = "my-hermes:dev"
  }
}

# A remote engine over SSH (the user needs access to its Docker socket).
provider "molecule" {
  alias = "gpu_box"
  host  = "ssh://deploy@gpu-box.internal"
}

# A remote engine over TCP with mutual TLS.
provider "molecule" {
  alias     = "tls"
  host      = "tcp://docker.internal:2376"
  cert_path = pathexpand("~/.docker/tls")
}

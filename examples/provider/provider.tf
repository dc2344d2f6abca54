terraform {
  required_providers {
    molecule = {
      source = "molecule-ai/molecule"
    }
  }
}

# The local engine (DOCKER_HOST, else unix:///var/run/docker.sock) with the
# platform's published images.
provider "molecule" {
  platform_url = "http://host.docker.internal:8080"

  runtime_images = {
    langgraph   = "ghcr.io/molecule-ai/workspace-template-langgraph:latest"
    claude-code = "ghcr.io/molecule-ai/workspace-template-claude-code:latest"
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

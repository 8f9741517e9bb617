terraform {
  required_version = ">= 1.6.0"

  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "3.2.4"
    }
    local = {
      source  = "hashicorp/local"
      version = "2.5.3"
    }
    external = {
      source  = "hashicorp/external"
      version = "2.3.5"
    }
  }

  # State lives in kpaas-backend, locked per cluster:
  # <kpaas-backend>/api/kpaas/clusters/<cluster>/terraform/state (LOCK / UNLOCK on the same URL).
  # kpaas:provision supplies the addresses and a per-cluster credential as TF_HTTP_ADDRESS,
  # TF_HTTP_LOCK_ADDRESS, TF_HTTP_UNLOCK_ADDRESS, TF_HTTP_USERNAME and TF_HTTP_PASSWORD, so the
  # backend URL is never baked into the repository and nothing secret is written here.
  backend "http" {}
}

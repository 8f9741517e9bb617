terraform {
  # kakaocloud 0.3.x needs Terraform 1.11 (write-only instance user_data); 0.4.x needs 1.14.
  required_version = ">= 1.11.0"

  required_providers {
    kakaocloud = {
      source  = "kakaoenterprise/kakaocloud"
      version = "0.3.5"
    }
    local = {
      source  = "hashicorp/local"
      version = "2.5.3"
    }
  }

  # State lives in kpaas-backend, locked per cluster:
  # <kpaas-backend>/api/kpaas/clusters/<cluster>/terraform/state (LOCK / UNLOCK on the same URL).
  # kpaas:provision supplies the addresses and a per-cluster credential as TF_HTTP_ADDRESS,
  # TF_HTTP_LOCK_ADDRESS, TF_HTTP_UNLOCK_ADDRESS, TF_HTTP_USERNAME and TF_HTTP_PASSWORD, so the
  # backend URL is never baked into the repository and nothing secret is written here.
  backend "http" {}
}

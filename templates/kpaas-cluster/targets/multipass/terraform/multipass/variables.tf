# Cluster data comes from cluster.auto.tfvars.json, which kpaas:provision writes from cluster.yaml
# on every run (deriveMultipassVariables in @internal/plugin-kpaas-common; not kept in the repo).
# ssh_public_key comes from TF_VAR_ssh_public_key, derived by kpaas:provision from the task's SSH
# private key.

variable "cluster_name" {
  description = "Cluster name (metadata.name); every VM is <cluster_name>-<role>-<n>"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.cluster_name)) && length(var.cluster_name) <= 52
    error_message = "cluster_name must be a DNS-1123 label of at most 52 characters."
  }
}

variable "image" {
  description = "Multipass image, e.g. 24.04"
  type        = string
}

variable "nodes" {
  description = "The VMs, control planes first, with their sizes"
  type = list(object({
    name       = string
    role       = string
    cpus       = number
    memory_gib = number
    disk_gib   = number
  }))

  validation {
    condition     = alltrue([for n in var.nodes : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", n.name))])
    error_message = "Every node name must be a DNS-1123 label (it is passed to the multipass command line)."
  }

  validation {
    condition     = alltrue([for n in var.nodes : contains(["control-plane", "worker"], n.role)])
    error_message = "Every node role must be control-plane or worker."
  }
}

variable "ssh_user" {
  description = "User kpaas logs in as"
  type        = string
}

variable "ssh_port" {
  description = "SSH port of the VMs"
  type        = number
  default     = 22
}

variable "ssh_public_key" {
  description = "OpenSSH public key put into the user's authorized_keys (not a secret)"
  type        = string

  validation {
    condition     = can(regex("^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+", var.ssh_public_key))
    error_message = "ssh_public_key must be one OpenSSH public key line (ssh-ed25519 AAAA…)."
  }
}

variable "ingress_ip" {
  description = "LoadBalancer address of the ingress controller (spec.network.ingressIp); null when the spec sets none"
  type        = string
  default     = null
}

variable "multipass_path" {
  description = "multipass binary"
  type        = string
  default     = "multipass"
}

# Cluster data comes from cluster.auto.tfvars.json, which kpaas:provision writes from cluster.yaml
# on every run (deriveKakaoCloudVariables in @internal/plugin-kpaas-common; not kept in the repo).
# The Kakao credential comes from TF_VAR_application_credential_id / _secret, set by
# kpaas:provision from the task secrets.

variable "application_credential_id" {
  description = "Kakao Cloud application credential ID (task secret)"
  type        = string
  sensitive   = true
}

variable "application_credential_secret" {
  description = "Kakao Cloud application credential secret (task secret)"
  type        = string
  sensitive   = true
}

variable "cluster_name" {
  description = "Cluster name (metadata.name); prefix of every resource name"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.cluster_name)) && length(var.cluster_name) <= 52
    error_message = "cluster_name must be a DNS-1123 label of at most 52 characters."
  }
}

variable "region" {
  description = "Kakao Cloud region of every resource (spec.target.region)"
  type        = string

  validation {
    condition     = contains(["kr-central-1", "kr-central-2", "kr-central-3"], var.region)
    error_message = "region must be kr-central-1, kr-central-2 or kr-central-3 (the regions of the kakaocloud provider)."
  }
}

variable "availability_zone" {
  description = "Availability zone of the subnet, the VMs and the NLBs, e.g. kr-central-2-a"
  type        = string
}

variable "image_name" {
  description = "Instance image name, e.g. \"Ubuntu 24.04\""
  type        = string
}

variable "control_plane_flavor" {
  description = "Instance flavor of the control-plane nodes"
  type        = string
}

variable "worker_flavor" {
  description = "Instance flavor of the worker nodes"
  type        = string
}

variable "volume_size_gib" {
  description = "Root volume of every node in GiB"
  type        = number

  validation {
    condition     = var.volume_size_gib >= 50 && var.volume_size_gib <= 1000
    error_message = "volume_size_gib must be between 50 and 1000."
  }
}

variable "key_pair_name" {
  description = "Existing Kakao Cloud key pair put on every VM"
  type        = string
}

variable "vpc_cidr" {
  description = "Address block of the VPC"
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "vpc_default_subnet_cidr" {
  description = "The VPC's mandatory default subnet; null = the last /24 of the VPC (172.16.255.0/24 for 172.16.0.0/16)"
  type        = string
  default     = null
}

variable "subnet_cidr" {
  description = "The nodes subnet (spec.network.nodeCidr)"
  type        = string

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0))
    error_message = "subnet_cidr must be an IPv4 CIDR block."
  }
}

variable "nodes" {
  description = "Machines with their fixed private IPs, from the kpaas address plan (deriveInventory), control planes first"
  type = list(object({
    name       = string
    role       = string
    private_ip = string
  }))

  validation {
    condition     = alltrue([for n in var.nodes : contains(["control-plane", "worker"], n.role)])
    error_message = "Every node role must be control-plane or worker (Kakao NLBs replace lb machines)."
  }

  validation {
    condition     = length([for n in var.nodes : n if n.role == "control-plane"]) > 0
    error_message = "At least one control-plane node is required."
  }
}

variable "ssh_port" {
  description = "SSH port of the nodes"
  type        = number
  default     = 22
}

variable "admin_cidrs" {
  description = "Where SSH and the Kubernetes API may be reached from"
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "api_port" {
  description = "Kubernetes API port (master NLB listener and target)"
  type        = number
  default     = 6443
}

variable "ingress_http_node_port" {
  description = "NodePort of the ingress controller's HTTP port (worker NLB 80 →)"
  type        = number
  default     = 31080
}

variable "ingress_https_node_port" {
  description = "NodePort of the ingress controller's HTTPS port (worker NLB 443 →)"
  type        = number
  default     = 31443
}

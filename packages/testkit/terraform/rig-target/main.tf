# Rig target (tests only, never a user-facing target): the output contract of the real targets
# (templates/kpaas-cluster/targets/*/terraform: nodes, api_lb_vip, api_lb_public_ip, ingress_ip)
# made only of Terraform's built-in resources, so the real terraform CLI plans, applies and
# destroys it with no provider download. kpaas:provision runs it like any target: init with the
# kpaas-backend http backend, plan -out, show -json, apply, output -json.

terraform {
  required_version = ">= 1.11"
  backend "http" {}
}

variable "cluster_name" {
  type = string
}

variable "nodes" {
  description = "The machines the rig pretends to create (control planes first); extra attributes of the real targets' nodes (cpus, ...) are ignored"
  type = list(object({
    name       = string
    role       = string
    private_ip = optional(string)
    public_ip  = optional(string)
  }))
}

variable "dhcp_addresses" {
  description = "Private addresses the rig hands out by node name to nodes that bring none (like Multipass DHCP); others get 198.18.0.<n>"
  type        = map(string)
  default     = {}
}

variable "public_ips" {
  description = "Public addresses the rig assigns by node name (like Kakao floating IPs)"
  type        = map(string)
  default     = {}
}

variable "api_lb_vip" {
  type    = string
  default = null
}

variable "api_lb_public_ip" {
  type    = string
  default = null
}

variable "ingress_ip" {
  type    = string
  default = null
}

variable "ssh_port" {
  type    = number
  default = 22
}

variable "create_seconds" {
  description = "How long creating each node takes (a local-exec sleep); cancellation tests"
  type        = number
  default     = 0
}

variable "fail_node" {
  description = "Creating this node fails, after the others were created (partial-apply tests)"
  type        = string
  default     = null
}

variable "failure_message" {
  description = "What the failing node prints on stderr"
  type        = string
  default     = "creating instance: quota exceeded"
}

variable "failure_quotes_env" {
  description = "Name of an environment variable of Terraform whose value the failure message quotes, like a provider error quoting its credential (masking tests)"
  type        = string
  default     = ""
}

locals {
  nodes_by_name = {
    for i, n in var.nodes : n.name => {
      name       = n.name
      role       = n.role
      private_ip = n.private_ip != null ? n.private_ip : lookup(var.dhcp_addresses, n.name, "198.18.0.${i + 1}")
      public_ip  = n.public_ip != null ? n.public_ip : try(var.public_ips[n.name], null)
    }
  }
}

resource "terraform_data" "network" {
  input = { name = "${var.cluster_name}-vpc" }
}

resource "terraform_data" "node" {
  for_each = local.nodes_by_name

  input = merge(each.value, { network = terraform_data.network.output.name })

  provisioner "local-exec" {
    command = each.key == var.fail_node ? "printf '%s %s\\n' \"$FAILURE\" \"$(printenv \"$QUOTED\")\" >&2; exit 1" : "sleep ${var.create_seconds}"
    environment = {
      FAILURE = var.failure_message
      QUOTED  = var.failure_quotes_env
    }
  }
}

resource "terraform_data" "api_lb" {
  count = var.api_lb_vip == null ? 0 : 1
  input = {
    vip = var.api_lb_vip
    # like a real NLB's members: only once the machines exist
    members = [for n in var.nodes : terraform_data.node[n.name].output.private_ip if n.role == "control-plane"]
  }
}

output "nodes" {
  value = [
    for n in var.nodes : {
      name       = n.name
      role       = n.role
      private_ip = terraform_data.node[n.name].output.private_ip
      public_ip  = terraform_data.node[n.name].output.public_ip
      ssh_port   = var.ssh_port
    }
  ]
}

output "api_lb_vip" {
  value = one(terraform_data.api_lb[*].output.vip)
}

output "api_lb_public_ip" {
  value = var.api_lb_public_ip
}

output "ingress_ip" {
  value = var.ingress_ip
}

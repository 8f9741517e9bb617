# kpaas:provision turns these into the node inventory and endpoints (terraform output -json).
# Same shape as the kakao-cloud module; there is no load balancer, so the API is the first
# control-plane VM.

output "nodes" {
  description = "Every VM: name, role, private_ip, public_ip (none), ssh_port (control planes first)"
  value = [
    for n in var.nodes : {
      name       = n.name
      role       = n.role
      private_ip = local.multipass_info[n.name].ipv4[0]
      public_ip  = null
      ssh_port   = var.ssh_port
    }
  ]
}

output "api_lb_vip" {
  description = "No load balancer on Multipass"
  value       = null
}

output "api_lb_public_ip" {
  description = "No load balancer on Multipass"
  value       = null
}

output "api_server_url" {
  description = "API server URL: the first control-plane VM"
  value       = "https://${local.multipass_info[var.nodes[0].name].ipv4[0]}:6443"
}

output "ingress_ip" {
  description = "Ingress controller address (MetalLB, on the Multipass network)"
  value       = var.ingress_ip
}

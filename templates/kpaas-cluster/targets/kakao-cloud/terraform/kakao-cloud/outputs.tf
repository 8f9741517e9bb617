# kpaas:provision turns these into the node inventory and endpoints (terraform output -json).

output "nodes" {
  description = "Every node: name, role, private_ip, public_ip, ssh_port (control planes first)"
  value = [
    for n in var.nodes : {
      name       = n.name
      role       = n.role
      private_ip = kakaocloud_instance.node[n.name].addresses[0].private_ip
      public_ip  = kakaocloud_public_ip.node[n.name].public_ip
      ssh_port   = var.ssh_port
    }
  ]
}

output "api_lb_vip" {
  description = "Private VIP of the master NLB (the API endpoint inside the VPC)"
  value       = kakaocloud_load_balancer.api.private_vip
}

output "api_lb_public_ip" {
  description = "Public address of the master NLB"
  value       = kakaocloud_public_ip.api_lb.public_ip
}

output "api_server_url" {
  description = "API server URL inside the VPC"
  value       = "https://${kakaocloud_load_balancer.api.private_vip}:${var.api_port}"
}

output "ingress_lb_vip" {
  description = "Private VIP of the worker NLB"
  value       = kakaocloud_load_balancer.ingress.private_vip
}

output "ingress_ip" {
  description = "Public address of the worker NLB: where the platform UIs are reached from outside"
  value       = kakaocloud_public_ip.ingress_lb.public_ip
}

output "vpc_id" {
  description = "VPC ID"
  value       = kakaocloud_vpc.this.id
}

output "subnet_id" {
  description = "Nodes subnet ID"
  value       = kakaocloud_subnet.nodes.id
}

output "security_group_name" {
  description = "Security group of the nodes"
  value       = kakaocloud_security_group.nodes.name
}

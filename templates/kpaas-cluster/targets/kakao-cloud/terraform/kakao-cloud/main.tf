# Kakao Cloud machines of a kpaas cluster: the seed's terraform-layered resource set (VPC,
# subnet, security group, VMs with fixed private IPs, public IPs, master NLB 6443/2379, worker
# NLB 80/443 → ingress NodePorts) in one module and one state, keyed by node name so adding or
# removing a worker touches only that worker.

provider "kakaocloud" {
  application_credential_id     = var.application_credential_id
  application_credential_secret = var.application_credential_secret
  region                        = var.region
}

data "kakaocloud_images" "all" {}
data "kakaocloud_instance_flavors" "all" {}
data "kakaocloud_load_balancer_flavors" "all" {}

locals {
  nodes_by_name  = { for n in var.nodes : n.name => n }
  control_planes = { for n in var.nodes : n.name => n if n.role == "control-plane" }
  workers        = { for n in var.nodes : n.name => n if n.role == "worker" }

  vpc_prefix              = tonumber(split("/", var.vpc_cidr)[1])
  vpc_default_subnet_cidr = coalesce(var.vpc_default_subnet_cidr, cidrsubnet(var.vpc_cidr, 24 - local.vpc_prefix, pow(2, 24 - local.vpc_prefix) - 1))

  # one() fails with a clear message when a name matches nothing or several entries
  image_id = one([for i in data.kakaocloud_images.all.images : i.id if i.name == var.image_name])
  flavor_ids = {
    "control-plane" = one([for f in data.kakaocloud_instance_flavors.all.instance_flavors : f.id if f.name == var.control_plane_flavor])
    "worker"        = one([for f in data.kakaocloud_instance_flavors.all.instance_flavors : f.id if f.name == var.worker_flavor])
  }
  nlb_flavor_id = one([for f in data.kakaocloud_load_balancer_flavors.all.flavors : f.id if f.name == "NLB"])

  # Rules of the seed's security group; SSH and the API only from admin_cidrs.
  admin_rules = flatten([
    for cidr in var.admin_cidrs : [
      { protocol = "TCP", from = var.ssh_port, to = var.ssh_port, cidr = cidr, description = "SSH" },
      { protocol = "TCP", from = var.api_port, to = var.api_port, cidr = cidr, description = "Kubernetes API" },
    ]
  ])
  public_rules = [
    { protocol = "TCP", from = 80, to = 80, cidr = "0.0.0.0/0", description = "HTTP (ingress)" },
    { protocol = "TCP", from = 443, to = 443, cidr = "0.0.0.0/0", description = "HTTPS (ingress)" },
    { protocol = "TCP", from = var.ingress_http_node_port, to = var.ingress_http_node_port, cidr = "0.0.0.0/0", description = "Ingress HTTP NodePort (worker NLB)" },
    { protocol = "TCP", from = var.ingress_https_node_port, to = var.ingress_https_node_port, cidr = "0.0.0.0/0", description = "Ingress HTTPS NodePort (worker NLB)" },
  ]
  vpc_rules = [
    { protocol = "TCP", from = var.api_port, to = var.api_port, description = "Kubernetes API (NLB health checks, nodes)" },
    { protocol = "TCP", from = 2379, to = 2380, description = "etcd" },
    { protocol = "TCP", from = 10250, to = 10250, description = "kubelet API" },
    { protocol = "TCP", from = 10257, to = 10259, description = "controller-manager and scheduler" },
    { protocol = "TCP", from = 30000, to = 32767, description = "NodePort services" },
    { protocol = "TCP", from = 111, to = 111, description = "NFS rpcbind" },
    { protocol = "UDP", from = 111, to = 111, description = "NFS rpcbind" },
    { protocol = "TCP", from = 2049, to = 2049, description = "NFS" },
    { protocol = "UDP", from = 2049, to = 2049, description = "NFS" },
    { protocol = "UDP", from = 4789, to = 4789, description = "Calico VXLAN" },
    { protocol = "TCP", from = 179, to = 179, description = "Calico BGP" },
    { protocol = "UDP", from = 8472, to = 8472, description = "Flannel VXLAN" },
    { protocol = "TCP", from = 7946, to = 7946, description = "MetalLB memberlist" },
    { protocol = "UDP", from = 7946, to = 7946, description = "MetalLB memberlist" },
  ]
}

resource "kakaocloud_vpc" "this" {
  name       = "${var.cluster_name}-vpc"
  cidr_block = var.vpc_cidr
  subnet = {
    cidr_block        = local.vpc_default_subnet_cidr
    availability_zone = var.availability_zone
  }
}

resource "kakaocloud_subnet" "nodes" {
  name              = "${var.cluster_name}-nodes"
  vpc_id            = kakaocloud_vpc.this.id
  cidr_block        = var.subnet_cidr
  availability_zone = var.availability_zone
}

resource "kakaocloud_security_group" "nodes" {
  name        = "${var.cluster_name}-nodes"
  description = "kpaas cluster ${var.cluster_name}: nodes"

  rules = concat(
    [for r in concat(local.admin_rules, local.public_rules) : {
      direction        = "ingress"
      protocol         = r.protocol
      port_range_min   = r.from
      port_range_max   = r.to
      remote_ip_prefix = r.cidr
      description      = r.description
    }],
    [for r in local.vpc_rules : {
      direction        = "ingress"
      protocol         = r.protocol
      port_range_min   = r.from
      port_range_max   = r.to
      remote_ip_prefix = var.vpc_cidr
      description      = r.description
    }],
    [
      {
        direction        = "ingress"
        protocol         = "ICMP"
        remote_ip_prefix = var.vpc_cidr
        description      = "ICMP inside the VPC"
      },
      {
        direction        = "egress"
        protocol         = "ALL"
        remote_ip_prefix = "0.0.0.0/0"
        description      = "All egress"
      },
    ],
  )
}

resource "kakaocloud_instance" "node" {
  for_each = local.nodes_by_name

  name        = each.key
  description = "kpaas ${var.cluster_name} ${each.value.role}"
  flavor_id   = local.flavor_ids[each.value.role]
  image_id    = local.image_id
  key_name    = var.key_pair_name

  # fixed address from the kpaas address plan, so NLB members and certificates never move
  subnets = [{
    id         = kakaocloud_subnet.nodes.id
    private_ip = each.value.private_ip
  }]

  initial_security_groups = [{ name = kakaocloud_security_group.nodes.name }]
  volumes                 = [{ size = var.volume_size_gib }]
  user_data               = filebase64("${path.module}/cloud-init.yaml")

  lifecycle {
    # image/flavor ids are looked up by name on every plan; a lookup change must not replace nodes
    ignore_changes = [image_id, flavor_id, initial_security_groups, user_data]
  }
}

resource "kakaocloud_public_ip" "node" {
  for_each = kakaocloud_instance.node

  description = "${each.key} public IP"
  related_resource = {
    id          = each.value.addresses[0].network_interface_id
    device_id   = each.value.id
    device_type = "instance"
  }
}

# ------------------------------------------------------------------ master NLB: API 6443, etcd 2379

resource "kakaocloud_load_balancer" "api" {
  name              = "${var.cluster_name}-api"
  description       = "kpaas ${var.cluster_name}: Kubernetes API"
  availability_zone = var.availability_zone
  subnet_id         = kakaocloud_subnet.nodes.id
  flavor_id         = local.nlb_flavor_id
}

resource "kakaocloud_public_ip" "api_lb" {
  description = "${var.cluster_name} API NLB public IP"
  related_resource = {
    device_id   = kakaocloud_load_balancer.api.id
    device_type = "load-balancer"
  }
}

resource "kakaocloud_load_balancer_listener" "api" {
  load_balancer_id = kakaocloud_load_balancer.api.id
  protocol         = "TCP"
  protocol_port    = var.api_port
}

resource "kakaocloud_load_balancer_listener" "etcd" {
  load_balancer_id = kakaocloud_load_balancer.api.id
  protocol         = "TCP"
  protocol_port    = 2379
}

resource "kakaocloud_load_balancer_target_group" "api" {
  name                    = "${var.cluster_name}-api"
  load_balancer_id        = kakaocloud_load_balancer.api.id
  listener_id             = kakaocloud_load_balancer_listener.api.id
  protocol                = "TCP"
  load_balancer_algorithm = "ROUND_ROBIN"
}

resource "kakaocloud_load_balancer_target_group" "etcd" {
  name                    = "${var.cluster_name}-etcd"
  load_balancer_id        = kakaocloud_load_balancer.api.id
  listener_id             = kakaocloud_load_balancer_listener.etcd.id
  protocol                = "TCP"
  load_balancer_algorithm = "ROUND_ROBIN"
}

# A control plane that is down must leave the rotation (the seed had no health check).
resource "kakaocloud_load_balancer_health_monitor" "api" {
  target_group_id  = kakaocloud_load_balancer_target_group.api.id
  type             = "TCP"
  delay            = 10
  timeout          = 5
  max_retries      = 3
  max_retries_down = 3
}

resource "kakaocloud_load_balancer_target_group_member" "api" {
  for_each = local.control_planes

  name            = each.key
  target_group_id = kakaocloud_load_balancer_target_group.api.id
  address         = each.value.private_ip
  subnet_id       = kakaocloud_subnet.nodes.id
  protocol_port   = var.api_port
  weight          = 1
  depends_on      = [kakaocloud_instance.node]
}

resource "kakaocloud_load_balancer_target_group_member" "etcd" {
  for_each = local.control_planes

  name            = each.key
  target_group_id = kakaocloud_load_balancer_target_group.etcd.id
  address         = each.value.private_ip
  subnet_id       = kakaocloud_subnet.nodes.id
  protocol_port   = 2379
  weight          = 1
  depends_on      = [kakaocloud_instance.node]
}

# ------------------------------------------------------------------ worker NLB: 80/443 → ingress NodePorts

resource "kakaocloud_load_balancer" "ingress" {
  name              = "${var.cluster_name}-ingress"
  description       = "kpaas ${var.cluster_name}: ingress"
  availability_zone = var.availability_zone
  subnet_id         = kakaocloud_subnet.nodes.id
  flavor_id         = local.nlb_flavor_id
}

resource "kakaocloud_public_ip" "ingress_lb" {
  description = "${var.cluster_name} ingress NLB public IP"
  related_resource = {
    device_id   = kakaocloud_load_balancer.ingress.id
    device_type = "load-balancer"
  }
}

resource "kakaocloud_load_balancer_listener" "http" {
  load_balancer_id = kakaocloud_load_balancer.ingress.id
  protocol         = "TCP"
  protocol_port    = 80
}

resource "kakaocloud_load_balancer_listener" "https" {
  load_balancer_id = kakaocloud_load_balancer.ingress.id
  protocol         = "TCP"
  protocol_port    = 443
}

resource "kakaocloud_load_balancer_target_group" "http" {
  name                    = "${var.cluster_name}-ingress-http"
  load_balancer_id        = kakaocloud_load_balancer.ingress.id
  listener_id             = kakaocloud_load_balancer_listener.http.id
  protocol                = "TCP"
  load_balancer_algorithm = "ROUND_ROBIN"
}

resource "kakaocloud_load_balancer_target_group" "https" {
  name                    = "${var.cluster_name}-ingress-https"
  load_balancer_id        = kakaocloud_load_balancer.ingress.id
  listener_id             = kakaocloud_load_balancer_listener.https.id
  protocol                = "TCP"
  load_balancer_algorithm = "ROUND_ROBIN"
}

resource "kakaocloud_load_balancer_target_group_member" "http" {
  for_each = local.workers

  name            = each.key
  target_group_id = kakaocloud_load_balancer_target_group.http.id
  address         = each.value.private_ip
  subnet_id       = kakaocloud_subnet.nodes.id
  protocol_port   = var.ingress_http_node_port
  weight          = 1
  depends_on      = [kakaocloud_instance.node]
}

resource "kakaocloud_load_balancer_target_group_member" "https" {
  for_each = local.workers

  name            = each.key
  target_group_id = kakaocloud_load_balancer_target_group.https.id
  address         = each.value.private_ip
  subnet_id       = kakaocloud_subnet.nodes.id
  protocol_port   = var.ingress_https_node_port
  weight          = 1
  depends_on      = [kakaocloud_instance.node]
}

# For operators: what kpaas:provision reads from the outputs, as a file next to the module.
resource "local_file" "inventory" {
  filename        = "${path.module}/generated/inventory.json"
  file_permission = "0644"
  content = jsonencode([
    for n in var.nodes : {
      name       = n.name
      role       = n.role
      private_ip = n.private_ip
      public_ip  = kakaocloud_public_ip.node[n.name].public_ip
    }
  ])
}

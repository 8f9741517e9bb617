# Multipass VMs of a kpaas cluster (seed B's null_resource + local-exec launch), with the seed's
# hazard removed: destroy deletes exactly this cluster's VMs by name. There is no
# delete-everything command anywhere (seed B purged every VM on the host), and no resource is
# replaced on every apply.

locals {
  nodes_by_name   = { for n in var.nodes : n.name => n }
  cloud_init_path = "${path.module}/generated/cloud-init.yaml"
}

resource "local_file" "cloud_init" {
  filename        = local.cloud_init_path
  file_permission = "0644"
  content = templatefile("${path.module}/cloud-init.yaml.tftpl", {
    ssh_user       = var.ssh_user
    ssh_port       = var.ssh_port
    ssh_public_key = var.ssh_public_key
  })
}

resource "null_resource" "vm" {
  for_each = local.nodes_by_name

  # Destroy-time provisioners may only use self: everything they need is a trigger. A size
  # change replaces the VM.
  triggers = {
    name       = each.key
    multipass  = var.multipass_path
    image      = var.image
    cpus       = each.value.cpus
    memory_gib = each.value.memory_gib
    disk_gib   = each.value.disk_gib
    cloud_init = local_file.cloud_init.content_sha256
  }

  # Idempotent: a VM left by an interrupted run is kept, not launched twice.
  provisioner "local-exec" {
    command = "${self.triggers.multipass} info ${self.triggers.name} >/dev/null 2>&1 || ${self.triggers.multipass} launch ${self.triggers.image} --name ${self.triggers.name} --cpus ${self.triggers.cpus} --memory ${self.triggers.memory_gib}G --disk ${self.triggers.disk_gib}G --cloud-init ${local_file.cloud_init.filename}"
  }

  # Only this VM, by its exact name.
  provisioner "local-exec" {
    when    = destroy
    command = "${self.triggers.multipass} delete --purge ${self.triggers.name}"
  }
}

# Addresses come from Multipass DHCP: read them back once the VMs exist. The JSON is passed
# base64-encoded because the external protocol only carries flat string maps.
data "external" "multipass_info" {
  depends_on = [null_resource.vm]

  program = [
    "sh", "-c",
    "out=$(${var.multipass_path} info --format json ${join(" ", keys(local.nodes_by_name))}) || exit 1; printf '{\"info\":\"%s\"}' \"$(printf '%s' \"$out\" | base64 | tr -d '\\n')\"",
  ]
}

locals {
  multipass_info = jsondecode(base64decode(data.external.multipass_info.result.info)).info
}

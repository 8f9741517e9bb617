import { NodeRole } from '../inventory';
import { deriveEndpoints, deriveInventory, PlannedNode } from './derive';
import { ClusterSpec, MachineSize } from './schema';

/*
 * What each machine target gets from cluster.yaml: the Terraform variables of the kakao-cloud and
 * multipass modules and the machine list the Vagrantfile reads. kpaas:provision writes them into
 * the module folder on every run, so cluster.yaml is the only input; nothing here is kept in the
 * cluster repository (the module folders ignore the files).
 */

/**
 * File kpaas:provision writes into a Terraform module folder on every run. Terraform loads
 * `*.auto.tfvars.json` by itself, after `terraform.tfvars.json`, so a hand-run `terraform plan`
 * in that folder sees the same values.
 * @public
 */
export const TERRAFORM_VARIABLES_FILE = 'cluster.auto.tfvars.json';

/** File kpaas:provision writes next to the Vagrantfile on every run. @public */
export const VAGRANT_CONFIG_FILE = 'vagrant.json';

/** Variables of templates/kpaas-cluster/targets/kakao-cloud (variables.tf). @public */
export interface KakaoCloudTerraformVariables {
  cluster_name: string;
  region: string;
  availability_zone: string;
  image_name: string;
  control_plane_flavor: string;
  worker_flavor: string;
  volume_size_gib: number;
  key_pair_name: string;
  vpc_cidr: string;
  subnet_cidr: string;
  ssh_port: number;
  api_port: number;
  nodes: Array<{ name: string; role: NodeRole; private_ip: string }>;
}

/** Variables of templates/kpaas-cluster/targets/multipass (variables.tf). @public */
export interface MultipassTerraformVariables {
  cluster_name: string;
  image: string;
  ssh_user: string;
  ssh_port: number;
  ingress_ip: string | null;
  nodes: Array<{
    name: string;
    role: NodeRole;
    cpus: number;
    memory_gib: number;
    disk_gib: number;
  }>;
}

/** What templates/kpaas-cluster/targets/vagrant/Vagrantfile reads. @public */
export interface VagrantConfig {
  cluster_name: string;
  box: string;
  box_version: string;
  provider: string;
  ssh_user: string;
  /** The API VIP the lb pair carries, or null without the pair */
  api_vip: string | null;
  nodes: Array<{
    name: string;
    role: NodeRole;
    ip: string;
    cpus: number;
    memory_mib: number;
    disk_gib: number;
  }>;
}

/** What one target's machine tool reads, derived from cluster.yaml. @public */
export type TargetMachineConfig =
  | {
      tool: 'terraform';
      file: typeof TERRAFORM_VARIABLES_FILE;
      values: KakaoCloudTerraformVariables | MultipassTerraformVariables;
    }
  | { tool: 'vagrant'; file: typeof VAGRANT_CONFIG_FILE; values: VagrantConfig }
  | { tool: 'none' };

function plannedAddress(node: PlannedNode): string {
  if (!node.address) {
    // validation (node-address-plan) refuses such a spec first; this guards code-built specs
    throw new Error(
      `${node.name} has no planned address in spec.network.nodeCidr; widen spec.network.nodeCidr or lower spec.workers.count`,
    );
  }
  return node.address;
}

function sizeOf(
  role: NodeRole,
  sizes: { controlPlane: MachineSize; worker: MachineSize; lb?: MachineSize },
): MachineSize {
  if (role === 'control-plane') return sizes.controlPlane;
  if (role === 'worker') return sizes.worker;
  if (!sizes.lb) throw new Error(`the target has no size for role ${role}`);
  return sizes.lb;
}

/** Terraform variables of the kakao-cloud module. @public */
export function deriveKakaoCloudVariables(
  spec: ClusterSpec,
): KakaoCloudTerraformVariables {
  const target = spec.spec.target;
  if (target.type !== 'kakao-cloud') {
    throw new Error(`spec.target.type is ${target.type}, not kakao-cloud`);
  }
  return {
    cluster_name: spec.metadata.name,
    region: target.region,
    availability_zone: target.availabilityZone,
    image_name: target.image,
    control_plane_flavor: target.controlPlaneFlavor,
    worker_flavor: target.workerFlavor,
    volume_size_gib: target.volumeSizeGiB,
    key_pair_name: target.keyPair,
    vpc_cidr: target.vpcCidr,
    subnet_cidr: spec.spec.network.nodeCidr,
    ssh_port: spec.spec.access.sshPort,
    api_port: spec.spec.controlPlane.endpoint.port,
    nodes: deriveInventory(spec).map(n => ({
      name: n.name,
      role: n.role,
      private_ip: plannedAddress(n),
    })),
  };
}

/** Terraform variables of the multipass module (addresses come from Multipass's DHCP). @public */
export function deriveMultipassVariables(
  spec: ClusterSpec,
): MultipassTerraformVariables {
  const target = spec.spec.target;
  if (target.type !== 'multipass') {
    throw new Error(`spec.target.type is ${target.type}, not multipass`);
  }
  return {
    cluster_name: spec.metadata.name,
    image: target.image,
    ssh_user: spec.spec.access.sshUser,
    ssh_port: spec.spec.access.sshPort,
    ingress_ip: spec.spec.network.ingressIp ?? null,
    nodes: deriveInventory(spec).map(n => {
      const size = sizeOf(n.role, target);
      return {
        name: n.name,
        role: n.role,
        cpus: size.cpus,
        memory_gib: size.memoryGiB,
        disk_gib: size.diskGiB,
      };
    }),
  };
}

/** The machine list of the Vagrantfile (fixed private-network addresses). @public */
export function deriveVagrantConfig(spec: ClusterSpec): VagrantConfig {
  const target = spec.spec.target;
  if (target.type !== 'vagrant') {
    throw new Error(`spec.target.type is ${target.type}, not vagrant`);
  }
  return {
    cluster_name: spec.metadata.name,
    box: target.box,
    box_version: target.boxVersion,
    provider: target.provider,
    ssh_user: spec.spec.access.sshUser,
    api_vip: target.lbPair ? deriveEndpoints(spec).apiVip ?? null : null,
    nodes: deriveInventory(spec).map(n => {
      const size = sizeOf(n.role, target);
      return {
        name: n.name,
        role: n.role,
        ip: plannedAddress(n),
        cpus: size.cpus,
        memory_mib: size.memoryGiB * 1024,
        disk_gib: size.diskGiB,
      };
    }),
  };
}

/**
 * What the spec's target tool reads: the Terraform variables (kakao-cloud, multipass), the
 * Vagrant machine list, or nothing (existing hosts).
 * @public
 */
export function deriveTargetMachineConfig(
  spec: ClusterSpec,
): TargetMachineConfig {
  switch (spec.spec.target.type) {
    case 'kakao-cloud':
      return {
        tool: 'terraform',
        file: TERRAFORM_VARIABLES_FILE,
        values: deriveKakaoCloudVariables(spec),
      };
    case 'multipass':
      return {
        tool: 'terraform',
        file: TERRAFORM_VARIABLES_FILE,
        values: deriveMultipassVariables(spec),
      };
    case 'vagrant':
      return {
        tool: 'vagrant',
        file: VAGRANT_CONFIG_FILE,
        values: deriveVagrantConfig(spec),
      };
    default:
      return { tool: 'none' };
  }
}

import { defaultClusterSpec } from './defaults';
import { deriveInventory } from './derive';
import {
  deriveKakaoCloudVariables,
  deriveMultipassVariables,
  deriveTargetMachineConfig,
  deriveVagrantConfig,
  TERRAFORM_VARIABLES_FILE,
  VAGRANT_CONFIG_FILE,
} from './targets';
import { ClusterSpec } from './schema';

function withWorkers(spec: ClusterSpec, count: number): ClusterSpec {
  return { ...spec, spec: { ...spec.spec, workers: { count } } };
}

describe('target machine config from cluster.yaml', () => {
  it('kakao-cloud: the module variables with the planned fixed IPs, control planes first', () => {
    const spec = defaultClusterSpec('alpha', 'kakao-cloud');
    const vars = deriveKakaoCloudVariables(spec);
    expect(vars).toEqual({
      cluster_name: 'alpha',
      region: 'kr-central-2',
      availability_zone: 'kr-central-2-a',
      image_name: 'Ubuntu 24.04',
      control_plane_flavor: 't1i.large',
      worker_flavor: 't1i.xlarge',
      volume_size_gib: 200,
      key_pair_name: 'alpha-keypair',
      vpc_cidr: '172.16.0.0/16',
      subnet_cidr: '172.16.0.0/24',
      ssh_port: 22,
      api_port: 6443,
      nodes: [
        { name: 'alpha-cp-1', role: 'control-plane', private_ip: '172.16.0.101' },
        { name: 'alpha-cp-2', role: 'control-plane', private_ip: '172.16.0.102' },
        { name: 'alpha-cp-3', role: 'control-plane', private_ip: '172.16.0.103' },
        { name: 'alpha-worker-1', role: 'worker', private_ip: '172.16.0.111' },
        { name: 'alpha-worker-2', role: 'worker', private_ip: '172.16.0.112' },
        { name: 'alpha-worker-3', role: 'worker', private_ip: '172.16.0.113' },
      ],
    });
    expect(vars.nodes.map(n => n.private_ip)).toEqual(
      deriveInventory(spec).map(n => n.address),
    );
  });

  it('kakao-cloud: one more worker adds exactly one node and moves none (scale-up)', () => {
    const spec = defaultClusterSpec('alpha', 'kakao-cloud');
    const before = deriveKakaoCloudVariables(spec).nodes;
    const after = deriveKakaoCloudVariables(withWorkers(spec, 4)).nodes;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([
      { name: 'alpha-worker-4', role: 'worker', private_ip: '172.16.0.114' },
    ]);
  });

  it('multipass: sizes per role from spec.target, no addresses (DHCP), the ingress address', () => {
    const spec = defaultClusterSpec('beta', 'multipass');
    const vars = deriveMultipassVariables(spec);
    expect(vars).toMatchObject({
      cluster_name: 'beta',
      image: '24.04',
      ssh_user: 'ubuntu',
      ssh_port: 22,
      ingress_ip: '192.168.64.201',
    });
    expect(vars.nodes.map(n => n.name)).toEqual(
      deriveInventory(spec).map(n => n.name),
    );
    expect(vars.nodes[0]).toEqual({
      name: 'beta-cp-1',
      role: 'control-plane',
      cpus: 2,
      memory_gib: 4,
      disk_gib: 40,
    });
    expect(vars.nodes[5]).toEqual({
      name: 'beta-worker-3',
      role: 'worker',
      cpus: 2,
      memory_gib: 4,
      disk_gib: 50,
    });
    const noIngress = {
      ...spec,
      spec: {
        ...spec.spec,
        network: { ...spec.spec.network, ingressIp: undefined },
      },
    };
    expect(deriveMultipassVariables(noIngress).ingress_ip).toBeNull();
  });

  it('vagrant: the lb pair, fixed private-network IPs, the VIP and memory in MiB', () => {
    const spec = defaultClusterSpec('gamma', 'vagrant');
    const config = deriveVagrantConfig(spec);
    expect(config).toMatchObject({
      cluster_name: 'gamma',
      box: 'dasomel/ubuntu-24.04',
      box_version: '0.1.0',
      provider: 'vmware_desktop',
      ssh_user: 'vagrant',
      api_vip: '192.168.100.200',
    });
    expect(config.nodes).toEqual([
      { name: 'gamma-cp-1', role: 'control-plane', ip: '192.168.100.101', cpus: 2, memory_mib: 4096, disk_gib: 40 },
      { name: 'gamma-worker-1', role: 'worker', ip: '192.168.100.111', cpus: 6, memory_mib: 6144, disk_gib: 50 },
      { name: 'gamma-worker-2', role: 'worker', ip: '192.168.100.112', cpus: 6, memory_mib: 6144, disk_gib: 50 },
      { name: 'gamma-lb-1', role: 'lb', ip: '192.168.100.121', cpus: 1, memory_mib: 1024, disk_gib: 20 },
      { name: 'gamma-lb-2', role: 'lb', ip: '192.168.100.122', cpus: 1, memory_mib: 1024, disk_gib: 20 },
    ]);
    const target = spec.spec.target;
    if (target.type !== 'vagrant') throw new Error('vagrant spec expected');
    const noPair = deriveVagrantConfig({
      ...spec,
      spec: { ...spec.spec, target: { ...target, lbPair: false } },
    });
    expect(noPair.api_vip).toBeNull();
    expect(noPair.nodes.map(n => n.role)).not.toContain('lb');
  });

  it('per target: which tool reads which file; existing hosts need none', () => {
    const tool = (t: 'kakao-cloud' | 'multipass' | 'vagrant' | 'existing') => {
      const c = deriveTargetMachineConfig(defaultClusterSpec('d', t));
      return c.tool === 'none' ? ['none'] : [c.tool, c.file];
    };
    expect(tool('kakao-cloud')).toEqual(['terraform', TERRAFORM_VARIABLES_FILE]);
    expect(tool('multipass')).toEqual(['terraform', TERRAFORM_VARIABLES_FILE]);
    expect(tool('vagrant')).toEqual(['vagrant', VAGRANT_CONFIG_FILE]);
    expect(tool('existing')).toEqual(['none']);
    expect(() =>
      deriveKakaoCloudVariables(defaultClusterSpec('d', 'multipass')),
    ).toThrow('spec.target.type is multipass, not kakao-cloud');
  });
});

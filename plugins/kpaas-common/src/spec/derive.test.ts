import {
  existingSpec,
  kakaoSpec,
  multipassSpec,
  specWith,
  vagrantSpec,
} from './__fixtures__/testSpecs';
import { defaultClusterSpec } from './defaults';
import {
  deriveEndpoints,
  deriveInventory,
  deriveResourceTotals,
  plannedHostOffset,
} from './derive';
import { formatSpecErrors } from './errors';
import { ClusterSpec } from './schema';
import { parseClusterSpec } from './validate';

function parsed(input: unknown): ClusterSpec {
  const result = parseClusterSpec(input);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

describe('deriveInventory', () => {
  it('plans K-PaaS Lite style addresses for Vagrant, control planes first, lb pair last', () => {
    const spec = parsed(
      specWith(vagrantSpec, d => {
        d.spec.controlPlane.count = 3;
      }),
    );
    expect(deriveInventory(spec)).toEqual([
      {
        name: 'lite-cp-1',
        role: 'control-plane',
        address: '192.168.100.101',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-cp-2',
        role: 'control-plane',
        address: '192.168.100.102',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-cp-3',
        role: 'control-plane',
        address: '192.168.100.103',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-worker-1',
        role: 'worker',
        address: '192.168.100.111',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-worker-2',
        role: 'worker',
        address: '192.168.100.112',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-lb-1',
        role: 'lb',
        address: '192.168.100.121',
        port: 22,
        addressSource: 'planned',
      },
      {
        name: 'lite-lb-2',
        role: 'lb',
        address: '192.168.100.122',
        port: 22,
        addressSource: 'planned',
      },
    ]);
  });

  it("plans Kakao Cloud's fixed IPs (.101-.103, .111-.113) and no lb machines", () => {
    const nodes = deriveInventory(parsed(kakaoSpec));
    expect(nodes.map(n => `${n.name}=${n.address}`)).toEqual([
      'kakao-cp-1=172.16.0.101',
      'kakao-cp-2=172.16.0.102',
      'kakao-cp-3=172.16.0.103',
      'kakao-worker-1=172.16.0.111',
      'kakao-worker-2=172.16.0.112',
      'kakao-worker-3=172.16.0.113',
    ]);
  });

  it('moves workers 10 and up behind the lb block (.131, .132, …)', () => {
    const spec = parsed(
      specWith(kakaoSpec, d => {
        d.spec.workers.count = 11;
      }),
    );
    const workers = deriveInventory(spec).filter(n => n.role === 'worker');
    expect(workers.slice(8).map(n => n.address)).toEqual([
      '172.16.0.119',
      '172.16.0.131',
      '172.16.0.132',
    ]);
    expect(plannedHostOffset('worker', 100)).toBe(221);
  });

  it('leaves Multipass addresses to DHCP', () => {
    const nodes = deriveInventory(parsed(multipassSpec));
    expect(nodes).toHaveLength(6);
    expect(
      nodes.every(n => n.address === undefined && n.addressSource === 'dhcp'),
    ).toBe(true);
    expect(nodes.map(n => n.name)).toEqual([
      'mac-cp-1',
      'mac-cp-2',
      'mac-cp-3',
      'mac-worker-1',
      'mac-worker-2',
      'mac-worker-3',
    ]);
  });

  it('uses the listed hosts for existing, with per-host port and user overrides', () => {
    const spec = parsed(
      specWith(existingSpec, d => {
        d.spec.access = { sshUser: 'admin', sshPort: 2200 };
        // listed out of role order on purpose
        d.spec.target.hosts.reverse();
      }),
    );
    expect(deriveInventory(spec)).toEqual([
      {
        name: 'metal-cp-1',
        role: 'control-plane',
        address: '10.10.0.11',
        port: 2200,
        addressSource: 'spec',
      },
      {
        name: 'metal-worker-2',
        role: 'worker',
        address: '10.10.0.22',
        port: 2200,
        user: 'ops',
        addressSource: 'spec',
      },
      {
        name: 'metal-worker-1',
        role: 'worker',
        address: '10.10.0.21',
        port: 2222,
        addressSource: 'spec',
      },
    ]);
  });
});

describe('deriveEndpoints', () => {
  it('uses the VIP .200 behind the Vagrant lb pair', () => {
    expect(deriveEndpoints(parsed(vagrantSpec))).toEqual({
      apiEndpointType: 'vip',
      apiServerHost: '192.168.100.200',
      apiServerPort: 6443,
      apiServerUrl: 'https://192.168.100.200:6443',
      apiVip: '192.168.100.200',
      ingressAddress: '192.168.100.201',
      pending: [],
    });
  });

  it('uses an explicit VIP and port', () => {
    const spec = parsed(
      specWith(vagrantSpec, d => {
        d.spec.controlPlane.endpoint = {
          address: '192.168.100.10',
          port: 8443,
        };
      }),
    );
    expect(deriveEndpoints(spec).apiServerUrl).toBe(
      'https://192.168.100.10:8443',
    );
  });

  it('leaves the Kakao NLB address pending', () => {
    const endpoints = deriveEndpoints(parsed(kakaoSpec));
    expect(endpoints).toMatchObject({
      apiEndpointType: 'lb',
      apiServerUrl: undefined,
      ingressAddress: '172.16.0.201',
    });
    expect(endpoints.pending).toEqual([
      expect.stringContaining('master NLB'),
      expect.stringContaining('public addresses'),
    ]);
  });

  it('uses the first control-plane host on existing machines', () => {
    expect(deriveEndpoints(parsed(existingSpec))).toMatchObject({
      apiEndpointType: 'host',
      apiServerUrl: 'https://10.10.0.11:6443',
      apiVip: undefined,
      pending: [],
    });
  });

  it('waits for DHCP on Multipass (seed B: API on the first master)', () => {
    expect(deriveEndpoints(parsed(multipassSpec))).toMatchObject({
      apiEndpointType: 'host',
      apiServerUrl: undefined,
      pending: [expect.stringContaining('Multipass DHCP')],
    });
  });
});

describe('deriveResourceTotals', () => {
  it("matches seed B's figures for 3 + 3 Multipass VMs: 6 VMs, 12 vCPU, 24 GiB, 270 GiB", () => {
    const totals = deriveResourceTotals(parsed(multipassSpec));
    expect(totals.total).toEqual({
      machines: 6,
      vcpu: 12,
      memoryGiB: 24,
      diskGiB: 270,
    });
    expect(totals.complete).toBe(true);
    expect(totals.roles).toEqual([
      {
        role: 'control-plane',
        machines: 3,
        vcpuEach: 2,
        memoryGiBEach: 4,
        diskGiBEach: 40,
        vcpu: 6,
        memoryGiB: 12,
        diskGiB: 120,
      },
      {
        role: 'worker',
        machines: 3,
        vcpuEach: 2,
        memoryGiBEach: 4,
        diskGiBEach: 50,
        vcpu: 6,
        memoryGiB: 12,
        diskGiB: 150,
      },
    ]);
  });

  it('counts the Vagrant lb pair', () => {
    const totals = deriveResourceTotals(parsed(vagrantSpec));
    // 1 × (2, 4, 40) + 2 × (6, 6, 50) + 2 × (1, 1, 20)
    expect(totals.total).toEqual({
      machines: 5,
      vcpu: 16,
      memoryGiB: 18,
      diskGiB: 180,
    });
  });

  it('uses the flavor table on Kakao Cloud and marks unknown flavors', () => {
    const known = deriveResourceTotals(parsed(kakaoSpec));
    // 3 × t1i.large (2, 8) + 3 × t1i.xlarge (4, 16), 200 GiB volumes
    expect(known.total).toEqual({
      machines: 6,
      vcpu: 18,
      memoryGiB: 72,
      diskGiB: 1200,
    });
    expect(known.complete).toBe(true);

    const unknown = deriveResourceTotals(
      parsed(
        specWith(kakaoSpec, d => {
          d.spec.target.workerFlavor = 'm2a.xlarge';
        }),
      ),
    );
    expect(unknown.complete).toBe(false);
    expect(unknown.total).toEqual({
      machines: 6,
      vcpu: 6,
      memoryGiB: 24,
      diskGiB: 1200,
    });
    expect(unknown.notes).toContainEqual(expect.stringContaining('m2a.xlarge'));
  });

  it('counts existing hosts but cannot size them', () => {
    const totals = deriveResourceTotals(parsed(existingSpec));
    expect(totals.total.machines).toBe(3);
    expect(totals.complete).toBe(false);
  });
});

describe('defaultClusterSpec', () => {
  it('builds seed-shaped specs per target', () => {
    const kakao = defaultClusterSpec('demo', 'kakao-cloud');
    expect(kakao.spec.target).toMatchObject({
      type: 'kakao-cloud',
      availabilityZone: 'kr-central-2-a',
      controlPlaneFlavor: 't1i.large',
      workerFlavor: 't1i.xlarge',
      volumeSizeGiB: 200,
      subnetCidr: '172.16.0.0/24',
    });
    expect(
      deriveEndpoints(defaultClusterSpec('demo', 'vagrant')).apiServerUrl,
    ).toBe('https://192.168.100.200:6443');
    expect(
      defaultClusterSpec('demo', 'multipass').spec.network.metallbRange,
    ).toBe('192.168.64.210-192.168.64.250');
  });

  it('refuses names that would make an invalid spec', () => {
    expect(() => defaultClusterSpec('Not Valid', 'vagrant')).toThrow(
      /metadata\.name: "Not Valid" is not a DNS-1123 label/,
    );
  });
});

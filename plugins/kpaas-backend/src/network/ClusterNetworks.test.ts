import { mockServices } from '@backstage/backend-test-utils';
import { lookup } from 'node:dns/promises';
import {
  ClusterNetworks,
  DEFAULT_CLUSTER_NETWORKS,
  REFUSED_CODE,
} from './ClusterNetworks';

describe('ClusterNetworks', () => {
  it('defaults to the private IPv4 ranges: loopback and public addresses are refused', () => {
    const networks = ClusterNetworks.fromConfig(
      mockServices.rootConfig({ data: {} }),
    );
    expect(networks.cidrs).toEqual(DEFAULT_CLUSTER_NETWORKS);
    expect(networks.refusal('10.1.2.3')).toBeUndefined();
    expect(networks.refusal('172.31.255.1')).toBeUndefined();
    expect(networks.refusal('192.168.0.10')).toBeUndefined();
    expect(networks.refusal('::ffff:10.0.0.1')).toBeUndefined();
    expect(networks.refusal('127.0.0.1')).toMatch(
      /127\.0\.0\.1 is outside kpaas\.clusterNetworks/,
    );
    expect(networks.refusal('::ffff:127.0.0.1')).toMatch(/outside/);
    expect(networks.refusal('::1')).toMatch(/outside/);
    expect(networks.refusal('8.8.8.8')).toMatch(/outside/);
    expect(networks.refusal('172.32.0.1')).toMatch(/outside/);
  });

  it('always refuses link-local and metadata addresses, whatever is listed', () => {
    const everything = new ClusterNetworks(['0.0.0.0/0', '::/0']);
    expect(everything.refusal('8.8.8.8')).toBeUndefined();
    for (const address of [
      '169.254.169.254',
      '169.254.1.1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
    ]) {
      expect(everything.refusal(address)).toMatch(
        /link-local or metadata address/,
      );
    }
  });

  it('names the bad entry of kpaas.clusterNetworks', () => {
    expect(() => new ClusterNetworks(['10.0.0.0/8', '10.0.0.0'])).toThrow(
      /kpaas\.clusterNetworks\[1\] "10\.0\.0\.0" is not a CIDR/,
    );
    expect(() => new ClusterNetworks(['10.0.0.0/33'])).toThrow(
      /kpaas\.clusterNetworks\[0\]/,
    );
  });

  it('checks a host name on every address it resolves to', async () => {
    const localhost = (await lookup('localhost', { all: true })).map(
      a => a.address,
    );
    await expect(
      new ClusterNetworks().assertHostAllowed('localhost', 'apiServerUrl'),
    ).rejects.toThrow(/^apiServerUrl: .* is outside kpaas\.clusterNetworks/);
    await expect(
      new ClusterNetworks(['127.0.0.0/8', '::1/128']).assertHostAllowed(
        'localhost',
        'apiServerUrl',
      ),
    ).resolves.toBeUndefined();
    expect(localhost.length).toBeGreaterThan(0);
  });

  it('fails a socket lookup that resolves outside the networks, passes one inside', async () => {
    const run = (networks: ClusterNetworks) =>
      new Promise<{ error: any; address?: string }>(resolve =>
        networks.lookup('localhost', { family: 4 }, (error, address) =>
          resolve({ error, address: address as string }),
        ),
      );
    const refused = await run(new ClusterNetworks());
    expect(refused.error?.code).toBe(REFUSED_CODE);
    expect(refused.error?.message).toMatch(
      /not connecting to localhost: 127\.0\.0\.1 is outside kpaas\.clusterNetworks/,
    );
    const allowed = await run(new ClusterNetworks(['127.0.0.0/8']));
    expect(allowed.error).toBeNull();
    expect(allowed.address).toBe('127.0.0.1');
  });
});

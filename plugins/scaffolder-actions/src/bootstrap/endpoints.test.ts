import {
  defaultClusterSpec,
  deriveEndpoints,
} from '@internal/plugin-kpaas-common';
import { endpointsWithInventory } from './run';

const inventory = [
  {
    name: 'lab-cp-1',
    role: 'control-plane' as const,
    address: '192.168.64.7',
    port: 22,
  },
  {
    name: 'lab-worker-1',
    role: 'worker' as const,
    address: '192.168.64.9',
    port: 22,
  },
];

describe('the API endpoint kpaas:bootstrap uses', () => {
  it('is the first control plane of the inventory when Multipass DHCP chose the address', () => {
    const derived = deriveEndpoints(defaultClusterSpec('lab', 'multipass'));
    expect(derived.apiServerUrl).toBeUndefined();
    expect(endpointsWithInventory(derived, inventory)).toMatchObject({
      apiEndpointType: 'host',
      apiServerHost: '192.168.64.7',
      apiServerUrl: 'https://192.168.64.7:6443',
      pending: [],
    });
  });

  it('stays what the spec says when the spec determines it', () => {
    const derived = deriveEndpoints(defaultClusterSpec('lab', 'vagrant'));
    expect(derived.apiServerUrl).toBeDefined();
    expect(endpointsWithInventory(derived, inventory)).toEqual(derived);
  });
});

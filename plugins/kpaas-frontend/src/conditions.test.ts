import { Entity } from '@backstage/catalog-model';
import { isKpaasCluster } from './conditions';

const cluster: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'demo', annotations: { 'kpaas.io/cluster-name': 'demo' } },
  spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
};

describe('isKpaasCluster', () => {
  it('accepts a kubernetes-cluster Resource with the kpaas annotation', () => {
    expect(isKpaasCluster(cluster)).toBe(true);
  });
  it('rejects a plain kubernetes-cluster Resource', () => {
    expect(
      isKpaasCluster({ ...cluster, metadata: { name: 'other' } }),
    ).toBe(false);
  });
  it('rejects other resource types and kinds', () => {
    expect(
      isKpaasCluster({ ...cluster, spec: { type: 'database', owner: 'x' } }),
    ).toBe(false);
    expect(isKpaasCluster({ ...cluster, kind: 'Component' })).toBe(false);
  });
});

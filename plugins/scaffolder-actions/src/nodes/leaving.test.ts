import {
  defaultClusterSpec,
  deriveInventory,
  InventoryNode,
} from '@internal/plugin-kpaas-common';
import { nodesLeaving } from './leaving';

const spec = (workers: number) => {
  const s = defaultClusterSpec('demo', 'kakao-cloud', {
    owner: 'group:default/platform',
  });
  s.spec.workers.count = workers;
  return s;
};
const inventoryOf = (workers: number): InventoryNode[] =>
  deriveInventory(spec(workers)).map(n => ({
    name: n.name,
    role: n.role,
    address: '10.0.0.1',
    port: 22,
  }));

describe('nodesLeaving', () => {
  it('names the workers cluster.yaml no longer lists, newest first; none when nothing leaves', () => {
    expect(nodesLeaving(spec(1), inventoryOf(3)).map(n => n.name)).toEqual([
      'demo-worker-3',
      'demo-worker-2',
    ]);
    expect(nodesLeaving(spec(3), inventoryOf(3))).toEqual([]);
    expect(nodesLeaving(spec(4), inventoryOf(3))).toEqual([]);
    expect(nodesLeaving(spec(3), [])).toEqual([]);
  });

  it('refuses removing a control plane, and removing the last worker, naming the field', () => {
    const fewerCps = spec(3);
    fewerCps.spec.controlPlane.count = 1;
    expect(() => nodesLeaving(fewerCps, inventoryOf(3))).toThrow(
      /removes workers only, but cluster.yaml no longer lists demo-cp-2 \(control-plane\), demo-cp-3 \(control-plane\)/,
    );
    // the one worker cluster.yaml keeps is not a node yet: every worker would leave
    const renamedWorkers = inventoryOf(2).map(n =>
      n.role === 'worker' ? { ...n, name: `${n.name}-old` } : n,
    );
    expect(() => nodesLeaving(spec(1), renamedWorkers)).toThrow(
      /spec\.workers\.count: removing demo-worker-2-old, demo-worker-1-old would leave cluster "demo" with its control planes only/,
    );
  });
});

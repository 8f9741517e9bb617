import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  defaultClusterSpec,
  deriveInventory,
  TERRAFORM_VARIABLES_FILE,
} from '@internal/plugin-kpaas-common';
import {
  machinesOfState,
  refuseRemovedMachines,
  writeMachineConfig,
} from './machineConfig';

const spec = defaultClusterSpec('demo', 'kakao-cloud');
const known = deriveInventory(spec).map(n => ({ name: n.name, role: n.role }));
const withCounts = (cp: number, workers: number) => ({
  ...spec,
  spec: {
    ...spec.spec,
    controlPlane: { ...spec.spec.controlPlane, count: cp },
    workers: { count: workers },
  },
});

describe('machine config from cluster.yaml', () => {
  it('writes the target file into the tool folder, over a hand edit; existing hosts get none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-machines-'));
    try {
      const file = path.join(dir, TERRAFORM_VARIABLES_FILE);
      fs.writeFileSync(file, '{"nodes": []}');
      expect(writeMachineConfig(spec, dir)).toBe(file);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).nodes).toHaveLength(6);
      expect(
        writeMachineConfig(defaultClusterSpec('demo', 'existing'), dir),
      ).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same or more machines pass; fewer workers are planned, and applied only once kpaas:remove-nodes took them out of the inventory', () => {
    expect(refuseRemovedMachines(spec, known)).toEqual([]);
    expect(refuseRemovedMachines(withCounts(3, 5), known)).toEqual([]);
    expect(refuseRemovedMachines(spec, [])).toEqual([]);
    expect(refuseRemovedMachines(withCounts(3, 1), known)).toEqual([
      'demo-worker-2',
      'demo-worker-3',
    ]);
    const inventory = new Set(known.map(m => m.name));
    expect(() =>
      refuseRemovedMachines(withCounts(3, 1), known, {
        mode: 'apply',
        inventoryNames: inventory,
      }),
    ).toThrow(
      /spec\.workers\.count is 1 but the cluster has 3 workers: demo-worker-2, demo-worker-3 are still nodes of the cluster.*Run kpaas:remove-nodes first.*or set spec\.workers\.count back to 3/,
    );
    expect(() =>
      refuseRemovedMachines(withCounts(3, 1), known, { mode: 'apply' }),
    ).toThrow(/kpaas-backend has no inventory of it/);
    inventory.delete('demo-worker-2');
    inventory.delete('demo-worker-3');
    expect(
      refuseRemovedMachines(withCounts(3, 1), known, {
        mode: 'apply',
        inventoryNames: inventory,
      }),
    ).toEqual(['demo-worker-2', 'demo-worker-3']);
  });

  it('fewer control planes name spec.controlPlane.count; a renamed cluster names what is no longer listed', () => {
    expect(() => refuseRemovedMachines(withCounts(1, 3), known)).toThrow(
      /spec\.controlPlane\.count is 1 but the cluster has 3 control-plane nodes; set it back to 3/,
    );
    const renamed = {
      ...spec,
      metadata: { ...spec.metadata, name: 'other' },
    };
    expect(() =>
      refuseRemovedMachines(renamed, [{ name: 'demo-lb-1', role: 'lb' }]),
    ).toThrow(
      /cluster\.yaml no longer lists demo-lb-1, which exist; restore metadata\.name/,
    );
  });

  it('reads the machines of a state document; none before the first apply', () => {
    expect(machinesOfState('')).toEqual([]);
    expect(machinesOfState('{"version": 4, "outputs": {}}')).toEqual([]);
    expect(
      machinesOfState(
        JSON.stringify({
          outputs: {
            nodes: {
              value: [
                { name: 'demo-cp-1', role: 'control-plane', private_ip: 'x' },
                { bogus: true },
              ],
            },
          },
        }),
      ),
    ).toEqual([{ name: 'demo-cp-1', role: 'control-plane' }]);
    expect(() => machinesOfState('{')).toThrow(/not JSON/);
  });
});

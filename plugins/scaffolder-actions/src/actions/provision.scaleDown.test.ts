/*
 * Scale-down with the real terraform (the test kit's rig target): a lowered spec.workers.count
 * plans the destroy of exactly the leaving workers; apply destroys them only once
 * kpaas:remove-nodes took them out of the cluster's inventory; a plan that destroys anything
 * else is refused before apply, naming the resources.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  describeRealTerraform,
  KAKAO_RIG_RESOURCES,
  Rig,
  startRig,
} from '../provision/__testUtils__/provisionRig';

jest.setTimeout(180_000);

const outputsOf = (ctx: any): Record<string, any> =>
  Object.fromEntries(ctx.output.mock.calls);

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the run to fail');
    },
    e => e as Error,
  );
}

function setWorkers(rig: Rig, count: number) {
  const file = path.join(rig.workspace, 'cluster.yaml');
  const doc = yaml.parseDocument(fs.readFileSync(file, 'utf8'));
  doc.setIn(['spec', 'workers', 'count'], count);
  fs.writeFileSync(file, doc.toString());
}

async function stateResources(rig: Rig): Promise<number> {
  const res = await fetch(`${rig.server.stateUrl('demo')}/versions`, {
    headers: { Authorization: mockCredentials.user.header() },
  });
  return (await res.json()).items[0].resources;
}

describeRealTerraform('kpaas:provision scale-down', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => rig.close());

  it('3 → 2 workers: the plan destroys exactly demo-worker-3; apply is refused while it is in the inventory and destroys it once kpaas:remove-nodes took it out', async () => {
    rig.renderRepo('kakao-cloud');
    await rig.action().handler(rig.context({ mode: 'apply' }));
    expect(await stateResources(rig)).toBe(KAKAO_RIG_RESOURCES);

    setWorkers(rig, 2);
    const plan = rig.context({ mode: 'plan' });
    await rig.action().handler(plan);
    expect(outputsOf(plan).planSummary).toEqual({
      add: 0,
      change: 0,
      destroy: 1,
      resources: [
        { address: 'terraform_data.node["demo-worker-3"]', action: 'delete' },
      ],
    });

    // still a node of the cluster: refused before terraform runs
    const calls = rig.calls().length;
    const refused = await failureOf(
      rig.action().handler(rig.context({ mode: 'apply' })),
    );
    expect(refused.message).toMatch(
      /demo-worker-3 are still nodes of the cluster.*Run kpaas:remove-nodes first/s,
    );
    expect(rig.calls()).toHaveLength(calls);

    // what kpaas:remove-nodes leaves: the node out of the stored inventory
    const stored = rig.inventories.get('demo')!;
    rig.inventories.set('demo', {
      ...stored,
      nodes: stored.nodes.filter(n => n.name !== 'demo-worker-3'),
    });
    const apply = rig.context({ mode: 'apply' });
    await rig.action().handler(apply);
    expect(outputsOf(apply).planSummary).toMatchObject({
      add: 0,
      change: 0,
      destroy: 1,
    });
    expect(rig.logText(apply)).toContain(
      'Workers leaving the cluster, whose machines this run destroys: demo-worker-3',
    );
    expect(
      outputsOf(apply)
        .inventory.filter((n: any) => n.role === 'worker')
        .map((n: any) => n.name),
    ).toEqual(['demo-worker-1', 'demo-worker-2']);
    expect(await stateResources(rig)).toBe(KAKAO_RIG_RESOURCES - 1);
  });

  it('an unexpected destroy in the plan is refused before apply, naming the resource; nothing is applied', async () => {
    // the first apply has a resource the repository's Terraform later loses
    rig.renderRepo('kakao-cloud', {});
    fs.writeFileSync(
      path.join(rig.workspace, 'terraform', 'extra.tf'),
      'resource "terraform_data" "dns" {\n  input = "demo.kpaas.example.com"\n}\n',
    );
    await rig.action().handler(rig.context({ mode: 'apply' }));
    expect(await stateResources(rig)).toBe(KAKAO_RIG_RESOURCES + 1);

    fs.rmSync(path.join(rig.workspace, 'terraform', 'extra.tf'));
    for (const mode of ['plan', 'apply']) {
      const ctx = rig.context({ mode });
      const refused = await failureOf(rig.action().handler(ctx));
      expect(refused.name).toBe('InputError');
      expect(refused.message).toContain(
        'kpaas:provision refused the Terraform plan before apply: it would destroy 1 resource(s) that are not machines leaving the cluster (none leaves):\n  - delete  terraform_data.dns',
      );
    }
    expect(rig.calls().filter(c => c.subcommand === 'apply')).toHaveLength(1);
    expect(await stateResources(rig)).toBe(KAKAO_RIG_RESOURCES + 1);
    // the refusal is on the timeline, on the plan step
    expect(
      rig.timeline.some(
        e =>
          e.body.step === 'plan' &&
          e.body.status === 'failed' &&
          String(e.body.summary).includes('terraform_data.dns'),
      ),
    ).toBe(true);
  });
});

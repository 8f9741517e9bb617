/*
 * Every kpaas action authorizes the task's initiator and pins a registered cluster to its
 * repository before any side effect (issue 13, "What to build" 1 and 2): a denied or foreign
 * run gets a task failure naming the permission or both repositories, and no Terraform, SSH
 * connection, state credential, registration or timeline write happens.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { demoClusterSpec } from '@internal/kpaas-testkit';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import { Rig, startRig } from '../provision/__testUtils__/provisionRig';
import { createBootstrapAction } from '../actions/bootstrap';
import { createAddonsAction } from '../actions/addons';
import {
  KpaasBackendStandIn,
  startKpaasBackendStandIn,
} from './__testUtils__/kpaasBackendStandIn';

jest.setTimeout(60_000);

const REPO = 'https://github.com/acme/demo-cluster';
const FOREIGN = 'github.com?owner=mallory&repo=demo-cluster';

/** A permissions service deciding `result` for everything, recording what it was asked. */
function permissionsDeciding(
  result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  return mockServices.permissions.mock({
    authorize: jest.fn(async (requests: unknown[]) =>
      requests.map(() => ({ result })),
    ) as any,
  });
}

function registration(overrides: Record<string, unknown> = {}) {
  return {
    name: 'demo',
    apiServerUrl: 'https://172.16.0.100:6443',
    source: 'registered',
    owner: 'group:default/platform',
    repoUrl: REPO,
    taskId: 'an-earlier-order',
    createdAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:00:00.000Z',
    ...overrides,
  };
}

describe('kpaas:provision authorizes the initiator and pins the repository', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
    rig.renderRepo('kakao-cloud');
  });
  afterEach(() => rig.close());

  const nothingRan = () => {
    expect(rig.calls()).toEqual([]);
    expect(rig.timeline).toEqual([]);
  };

  it('a new order needs kpaas.cluster.create, asked with the initiator credentials', async () => {
    const permissions = permissionsDeciding(AuthorizeResult.DENY);
    const ctx = rig.context({ mode: 'apply', newCluster: true, repoUrl: REPO });
    await expect(rig.action({ permissions }).handler(ctx)).rejects.toThrow(
      'kpaas:provision: user:default/mock is not allowed kpaas.cluster.create (ordering cluster "demo"); nothing was run',
    );
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({ name: 'kpaas.cluster.create' }),
        },
      ],
      { credentials: await ctx.getInitiatorCredentials() },
    );
    nothingRan();
  });

  it('a registered cluster needs kpaas.cluster.update on it (resource ref = cluster name)', async () => {
    rig.registrations.set('demo', registration());
    const permissions = permissionsDeciding(AuthorizeResult.DENY);
    await expect(
      rig
        .action({ permissions })
        .handler(rig.context({ mode: 'apply', repoUrl: REPO })),
    ).rejects.toThrow(
      'kpaas:provision: user:default/mock is not allowed kpaas.cluster.update on cluster "demo"; nothing was run',
    );
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({ name: 'kpaas.cluster.update' }),
          resourceRef: 'demo',
        },
      ],
      expect.anything(),
    );
    nothingRan();
  });

  it('a dry run is authorized too', async () => {
    const permissions = permissionsDeciding(AuthorizeResult.DENY);
    await expect(
      rig
        .action({ permissions })
        .handler(rig.context({ mode: 'plan' }, { isDryRun: true })),
    ).rejects.toThrow(/not allowed kpaas\.cluster\.create/);
  });

  it('a task started by a service principal is refused (the framework would allow it without the policy)', async () => {
    const ctx = {
      ...rig.context({ mode: 'apply', repoUrl: REPO }),
      getInitiatorCredentials: async () =>
        // a static external-access token: Backstage gives it its bare configured subject
        mockCredentials.service('ci-bot'),
    };
    await expect(rig.action().handler(ctx)).rejects.toThrow(
      /started by external:ci-bot, a service principal.*kpaas\.actions\.servicePrincipals/,
    );
    nothingRan();
  });

  it('another repository is refused naming both; the registered one runs', async () => {
    rig.registrations.set('demo', registration());
    await expect(
      rig.action().handler(rig.context({ mode: 'apply', repoUrl: FOREIGN })),
    ).rejects.toThrow(
      'kpaas:provision: cluster "demo" is registered to repository https://github.com/acme/demo-cluster, but this run comes from https://github.com/mallory/demo-cluster',
    );
    await expect(
      rig.action().handler(rig.context({ mode: 'apply' })),
    ).rejects.toThrow(
      /cluster "demo" runs only from its repository https:\/\/github\.com\/acme\/demo-cluster; this step names no repository/,
    );
    nothingRan();

    // the same repository in the RepoUrlPicker spelling
    await rig.action().handler(
      rig.context({
        mode: 'apply',
        repoUrl: 'github.com?owner=Acme&repo=demo-cluster',
      }),
    );
    expect(rig.calls().map(c => c.subcommand)).toContain('apply');
  });

  it('a new order for a name that already has Terraform state is refused before Terraform runs', async () => {
    // an earlier order left state under this name (no registration: it never got that far)
    const { username, password } = await rig.server.issueCredential('demo');
    const res = await fetch(rig.server.stateUrl('demo'), {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString(
          'base64',
        )}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        version: 4,
        terraform_version: '1.11.0',
        serial: 1,
        lineage: '00000000-0000-4000-8000-000000000001',
        outputs: {},
        resources: [],
      }),
    });
    expect(res.ok).toBe(true);

    await expect(
      rig
        .action()
        .handler(
          rig.context({ mode: 'apply', newCluster: true, repoUrl: REPO }),
        ),
    ).rejects.toThrow(
      /cluster "demo" already has Terraform state in kpaas-backend from an earlier order, so this new order was refused before Terraform ran/,
    );
    nothingRan();
  });
});

/** A TCP port that counts connection attempts: the SSH address of every node in these tests. */
async function countingPort() {
  let connections = 0;
  const server = net.createServer(socket => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

describe('kpaas:bootstrap and kpaas:addons authorize before contacting any node', () => {
  let kpaas: KpaasBackendStandIn;
  let ssh: Awaited<ReturnType<typeof countingPort>>;
  let workspace: string;
  let privateKey: string;

  beforeAll(async () => {
    kpaas = await startKpaasBackendStandIn();
    ssh = await countingPort();
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-authz-'));
    const spec = demoClusterSpec('demo');
    spec.spec.target.hosts = spec.spec.target.hosts.map((h, i) => ({
      ...h,
      address: `127.0.0.${i + 1}`,
      port: ssh.port,
    })) as any;
    spec.spec.controlPlane.endpoint.address = '127.0.0.100';
    spec.spec.network = {
      ...spec.spec.network,
      nodeCidr: '127.0.0.0/24',
      metallbRange: '127.0.0.200-127.0.0.250',
      ingressIp: '127.0.0.200',
    };
    fs.writeFileSync(
      path.join(workspace, 'cluster.yaml'),
      yaml.stringify(spec),
    );
    const scripts = path.resolve(
      __dirname,
      '../../../../templates/kpaas-cluster/skeleton/scripts',
    );
    fs.cpSync(scripts, path.join(workspace, 'scripts'), { recursive: true });
    const keyFile = path.join(workspace, 'id');
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      '',
      '-f',
      keyFile,
    ]);
    privateKey = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    fs.rmSync(`${keyFile}.pub`);
  });
  afterAll(async () => {
    await kpaas.close();
    await ssh.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });
  beforeEach(() => {
    kpaas.registrations.clear();
    kpaas.requests.length = 0;
    // the machines provision stored: a run that got past the check would contact them
    kpaas.inventories.set('demo', inventory() as InventoryNode[]);
  });

  const inventory = () =>
    demoClusterSpec('demo').spec.target.hosts.map((h, i) => ({
      name: h.name,
      role: h.role,
      address: `127.0.0.${i + 1}`,
      port: ssh.port,
    }));

  const context = (input: Record<string, unknown>) =>
    createMockActionContext({
      input: input as any,
      workspacePath: workspace,
      secrets: { sshPrivateKey: privateKey },
      logger: mockServices.logger.mock(),
      task: { id: 'task-2' },
    });

  const services = (result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) => ({
    discovery: kpaas.discovery,
    auth: kpaas.auth,
    permissions: permissionsDeciding(result),
  });

  const onlyReadTheRegistration = () => {
    expect(kpaas.requests).toEqual(['GET /api/kpaas/clusters/demo']);
    expect(kpaas.registered).toEqual([]);
    expect(ssh.connections()).toBe(0);
  };

  it('bootstrap: denied update on a registered cluster; nothing contacted or registered', async () => {
    kpaas.registrations.set('demo', registration());
    const options = services(AuthorizeResult.DENY);
    await expect(
      createBootstrapAction(options).handler(
        context({
          repoPath: '.',
          repoUrl: REPO,
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      'kpaas:bootstrap: user:default/mock is not allowed kpaas.cluster.update on cluster "demo"',
    );
    onlyReadTheRegistration();
  });

  it('bootstrap: denied create for a cluster kpaas does not have yet', async () => {
    await expect(
      createBootstrapAction(services(AuthorizeResult.DENY)).handler(
        context({
          repoPath: '.',
          repoUrl: REPO,
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      /not allowed kpaas\.cluster\.create \(ordering cluster "demo"\)/,
    );
    onlyReadTheRegistration();
  });

  it('bootstrap: a foreign repository cannot re-register the cluster', async () => {
    kpaas.registrations.set('demo', registration());
    await expect(
      createBootstrapAction(services(AuthorizeResult.ALLOW)).handler(
        context({
          repoPath: '.',
          repoUrl: FOREIGN,
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      /cluster "demo" is registered to repository https:\/\/github\.com\/acme\/demo-cluster, but this run comes from https:\/\/github\.com\/mallory\/demo-cluster/,
    );
    onlyReadTheRegistration();
  });

  it('addons: denied update; the control plane is not contacted', async () => {
    kpaas.registrations.set('demo', registration());
    await expect(
      createAddonsAction(services(AuthorizeResult.DENY)).handler(
        context({
          repoPath: '.',
          repoUrl: REPO,
          clusterName: 'demo',
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      'kpaas:addons: user:default/mock is not allowed kpaas.cluster.update on cluster "demo"',
    );
    onlyReadTheRegistration();
  });

  it('addons: a foreign repository is refused naming both', async () => {
    kpaas.registrations.set('demo', registration());
    await expect(
      createAddonsAction(services(AuthorizeResult.ALLOW)).handler(
        context({
          repoPath: '.',
          repoUrl: FOREIGN,
          clusterName: 'demo',
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      /registered to repository https:\/\/github\.com\/acme\/demo-cluster, but this run comes from https:\/\/github\.com\/mallory\/demo-cluster/,
    );
    onlyReadTheRegistration();
  });

  it('bootstrap and addons: no machines in kpaas-backend is refused naming provision; nothing contacted', async () => {
    kpaas.registrations.set('demo', registration());
    kpaas.inventories.clear();
    const options = services(AuthorizeResult.ALLOW);
    await expect(
      createBootstrapAction(options).handler(
        context({ repoPath: '.', repoUrl: REPO, sshUser: 'root' }) as any,
      ),
    ).rejects.toThrow(
      'kpaas:bootstrap: cluster "demo" has no machines in kpaas-backend; kpaas:provision records them',
    );
    await expect(
      createAddonsAction(options).handler(
        context({
          repoPath: '.',
          repoUrl: REPO,
          clusterName: 'demo',
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      'kpaas:addons: cluster "demo" has no machines in kpaas-backend; kpaas:provision records them',
    );
    // the run's own task asked (until registration the inventory is the order's alone)
    expect(kpaas.requests.filter(r => r.includes('/inventory'))).toEqual([
      'GET /api/kpaas/clusters/demo/inventory?taskId=task-2',
      'GET /api/kpaas/clusters/demo/inventory?taskId=task-2',
    ]);
    expect(kpaas.registered).toEqual([]);
    expect(ssh.connections()).toBe(0);
  });

  it('addons: clusterName must be the cluster of the repository', async () => {
    await expect(
      createAddonsAction(services(AuthorizeResult.ALLOW)).handler(
        context({
          repoPath: '.',
          repoUrl: REPO,
          clusterName: 'prod',
          sshUser: 'root',
        }) as any,
      ),
    ).rejects.toThrow(
      /clusterName "prod" is not the cluster of \.\/cluster\.yaml \("demo"\)/,
    );
    expect(kpaas.requests).toEqual([]);
    expect(ssh.connections()).toBe(0);
  });
});

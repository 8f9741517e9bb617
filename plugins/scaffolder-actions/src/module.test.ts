import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import request from 'supertest';
import { scaffolderModuleKpaas } from './module';

describe('scaffolderModuleKpaas', () => {
  it('registers the kpaas actions with their schemas and examples in the running scaffolder', async () => {
    const { server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleKpaas,
        catalogServiceMock.factory(),
      ],
    });
    const res = await request(server)
      .get('/api/scaffolder/v2/actions')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const byId = new Map<string, any>(
      res.body.map((action: any) => [action.id, action]),
    );

    const provision = byId.get('kpaas:provision');
    expect(provision.schema.input.properties.mode.enum).toEqual([
      'plan',
      'apply',
      'destroy',
    ]);
    expect(Object.keys(provision.schema.output.properties)).toEqual(
      expect.arrayContaining(['inventory', 'endpoints', 'planSummary']),
    );

    const bootstrap = byId.get('kpaas:bootstrap');
    // the machines come from kpaas-backend by cluster name, not from step outputs
    expect(Object.keys(bootstrap.schema.input.properties)).toEqual(
      expect.arrayContaining(['repoPath', 'repoUrl', 'sshUser']),
    );
    expect(bootstrap.schema.input.properties.inventory).toBeUndefined();
    expect(Object.keys(bootstrap.schema.output.properties)).toEqual(
      expect.arrayContaining(['apiServerUrl', 'hostKeys', 'nodes']),
    );

    const addons = byId.get('kpaas:addons');
    expect(addons.schema.input.properties.uninstall.type).toBe('boolean');
    expect(addons.schema.input.properties.controlPlane).toBeUndefined();
    expect(Object.keys(addons.schema.output.properties)).toEqual(
      expect.arrayContaining(['plan', 'addons', 'endpoints', 'hostsSnippet']),
    );
    // every kpaas action is registered and shows examples at /create/actions
    const kpaasActions = res.body.filter((a: any) => a.id.startsWith('kpaas:'));
    expect(kpaasActions.map((a: any) => a.id).sort()).toEqual([
      'kpaas:addons',
      'kpaas:bootstrap',
      'kpaas:certs-renew',
      'kpaas:cluster-change',
      'kpaas:cluster-repo',
      'kpaas:etcd-restore',
      'kpaas:etcd-snapshot',
      'kpaas:provision',
      'kpaas:remove-nodes',
      'kpaas:retire',
      'kpaas:upgrade',
    ]);
    for (const action of kpaasActions) {
      expect([action.id, action.examples?.length > 0]).toEqual([
        action.id,
        true,
      ]);
      for (const ex of action.examples) {
        expect(ex.example).toContain(`action: ${action.id}`);
      }
    }

    // the scmType filter the kpaas-cluster template picks its publish action with
    const extensions = await request(server)
      .get('/api/scaffolder/v2/templating-extensions')
      .set('Authorization', mockCredentials.user.header());
    expect(extensions.status).toBe(200);
    expect(extensions.body.filters.scmType.description).toMatch(
      /integration type/,
    );
  }, 60_000); // startTestBackend alone can take over 5 s on a loaded machine
});

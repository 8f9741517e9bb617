import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { kpaasPermissions } from '@internal/plugin-kpaas-common';
import { kpaasPlugin } from './plugin';

describe('kpaasPlugin', () => {
  it('answers /health without credentials', async () => {
    const { server } = await startTestBackend({ features: [kpaasPlugin] });
    const res = await request(server).get('/api/kpaas/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('registers the kpaas permissions with the permissions registry', async () => {
    const permissionsRegistry = mockServices.permissionsRegistry.mock();
    await startTestBackend({
      features: [kpaasPlugin, permissionsRegistry.factory],
    });
    expect(permissionsRegistry.addPermissions).toHaveBeenCalledWith(
      kpaasPermissions,
    );
    expect(kpaasPermissions.map(p => p.name)).toEqual([
      'kpaas.cluster.read',
      'kpaas.cluster.register',
      'kpaas.cluster.refresh',
      'kpaas.cluster.delete',
    ]);
  });
});

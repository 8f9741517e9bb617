/*
 * removeRetiredClusterEntity against Backstage's catalog service test double
 * (@backstage/plugin-catalog-node/testUtils): the initiator's credentials go with every call,
 * and a refusal is the error the catalog client throws for the catalog's 403.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { ResponseError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { removeRetiredClusterEntity } from './retireCatalogEntity';

const credentials = mockCredentials.user('user:default/dev');
const REF = 'resource:default/demo';
const LOCATION = {
  id: 'loc-1',
  type: 'url',
  target: 'https://github.com/acme/demo-cluster/blob/main/catalog-info.yaml',
  entityRef: 'location:default/generated-demo',
};
const managedBy = `url:${LOCATION.target}`;

const entity = (kind: string, name: string, cluster?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/managed-by-location': managedBy,
      ...(cluster ? { 'kpaas.io/cluster-name': cluster } : {}),
    },
  },
});

function catalog(fromLocation = [entity('Resource', 'demo', 'demo')]) {
  return catalogServiceMock.mock({
    getEntityByRef: jest.fn(async () => fromLocation[0]),
    getLocationByEntity: jest.fn(async () => LOCATION),
    getEntities: jest.fn(async () => ({ items: fromLocation })),
    removeLocationById: jest.fn(async () => undefined),
  });
}

const run = (c: ReturnType<typeof catalog>) =>
  removeRetiredClusterEntity({
    catalog: c,
    credentials,
    entityRef: REF,
    cluster: 'demo',
  });

describe('removeRetiredClusterEntity', () => {
  it("removes the cluster's own catalog location with the initiator's credentials", async () => {
    const c = catalog([
      entity('Resource', 'demo', 'demo'),
      // the cluster repository's catalog-info.yaml may describe more of the same cluster
      entity('Component', 'demo-gitops', 'demo'),
    ]);
    await expect(run(c)).resolves.toEqual({
      removed: true,
      message: `catalog location ${managedBy} removed, and with it ${REF}`,
    });
    expect(c.getLocationByEntity).toHaveBeenCalledWith(REF, { credentials });
    expect(c.getEntities).toHaveBeenCalledWith(
      {
        filter: {
          'metadata.annotations.backstage.io/managed-by-location': managedBy,
        },
        fields: ['kind', 'metadata'],
      },
      { credentials },
    );
    expect(c.removeLocationById).toHaveBeenCalledWith('loc-1', {
      credentials,
    });
  });

  it('says so and keeps the entity when the initiator may not delete the location (the catalog answers 403)', async () => {
    const c = catalog();
    c.removeLocationById.mockRejectedValue(
      await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: { name: 'NotAllowedError', message: 'Unauthorized' },
            request: { method: 'DELETE', url: '/locations/loc-1' },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'content-type': 'application/json' } },
        ) as any,
      ),
    );
    await expect(run(c)).resolves.toEqual({
      removed: false,
      message: `you may not remove ${REF} from the catalog (catalog.location.delete): ask a catalog admin to unregister it from its page (⋮ > Unregister entity)`,
    });
  });

  it('keeps a location that also holds entities of something else, naming them', async () => {
    const c = catalog([
      entity('Resource', 'demo', 'demo'),
      entity('Resource', 'prod', 'prod'),
      entity('Component', 'portal'),
    ]);
    const out = await run(c);
    expect(out).toEqual({
      removed: false,
      message: `catalog location ${managedBy} also holds resource:default/prod, component:default/portal, so it stays; unregister it from its page (⋮ > Unregister entity) for ${REF}`,
    });
    expect(c.removeLocationById).not.toHaveBeenCalled();
  });

  it('keeps an entity without a location of its own, and is done when the entity is gone already', async () => {
    const noLocation = catalog();
    noLocation.getLocationByEntity.mockResolvedValue(undefined);
    await expect(run(noLocation)).resolves.toMatchObject({
      removed: false,
      message: expect.stringMatching(
        /was not registered from a catalog location of its own/,
      ),
    });
    expect(noLocation.removeLocationById).not.toHaveBeenCalled();

    const gone = catalog();
    gone.getEntityByRef.mockResolvedValue(undefined);
    await expect(run(gone)).resolves.toEqual({
      removed: true,
      message: `${REF} is not in the catalog (any more)`,
    });
    expect(gone.removeLocationById).not.toHaveBeenCalled();
  });

  it('does not fail the retire when the catalog cannot be reached', async () => {
    const c = catalog();
    c.getEntityByRef.mockRejectedValue(new Error('connect ECONNREFUSED'));
    await expect(run(c)).resolves.toEqual({
      removed: false,
      message: `${REF} could not be removed from the catalog (Error: connect ECONNREFUSED); unregister it from its page (⋮ > Unregister entity)`,
    });
  });
});

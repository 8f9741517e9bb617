import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';

/** What became of a retired cluster's catalog entity. */
export interface RetiredEntityCleanup {
  /** The entity is out of the catalog (its location removed, or it was gone already). */
  removed: boolean;
  /** One sentence for the task log and output: what was done, or why not and what to do. */
  message: string;
}

const MANAGED_BY_LOCATION = 'backstage.io/managed-by-location';
const CLUSTER_NAME = 'kpaas.io/cluster-name';

/**
 * Removes a retired cluster's catalog entity by deleting the catalog location it was
 * registered from (catalog:register of the order or of kpaas-cluster-apply: the cluster
 * repository's catalog-info.yaml), with the task initiator's credentials, so the catalog's own
 * permission (catalog.location.delete) decides. Left in place, with the reason, when the entity
 * has no location of its own (app-config, an entity provider), when that location also holds
 * entities of something else than this cluster, or when the initiator may not delete it. Never
 * throws: the cluster is retired either way.
 */
export async function removeRetiredClusterEntity(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  entityRef: string;
  cluster: string;
}): Promise<RetiredEntityCleanup> {
  const { catalog, credentials, entityRef, cluster } = options;
  const byHand = `unregister it from its page (⋮ > Unregister entity)`;
  try {
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      return {
        removed: true,
        message: `${entityRef} is not in the catalog (any more)`,
      };
    }
    const location = await catalog.getLocationByEntity(entityRef, {
      credentials,
    });
    if (!location) {
      return {
        removed: false,
        message: `${entityRef} was not registered from a catalog location of its own (app-config or an entity provider lists it): remove it there, or ${byHand}`,
      };
    }
    const where = `${location.type}:${location.target}`;
    const { items } = await catalog.getEntities(
      {
        filter: { [`metadata.annotations.${MANAGED_BY_LOCATION}`]: where },
        fields: ['kind', 'metadata'],
      },
      { credentials },
    );
    const others = items.filter(
      e => e.metadata.annotations?.[CLUSTER_NAME] !== cluster,
    );
    if (others.length > 0) {
      return {
        removed: false,
        message: `catalog location ${where} also holds ${others
          .map(
            e =>
              `${e.kind.toLocaleLowerCase('en-US')}:${
                e.metadata.namespace ?? 'default'
              }/${e.metadata.name}`,
          )
          .join(', ')}, so it stays; ${byHand} for ${entityRef}`,
      };
    }
    await catalog.removeLocationById(location.id, { credentials });
    return {
      removed: true,
      message: `catalog location ${where} removed, and with it ${entityRef}`,
    };
  } catch (error) {
    // the catalog client throws a ResponseError (status 403, cause NotAllowedError)
    const e = error as Error & { statusCode?: number; cause?: Error };
    if (
      e.name === 'NotAllowedError' ||
      e.statusCode === 403 ||
      e.cause?.name === 'NotAllowedError'
    ) {
      return {
        removed: false,
        message: `you may not remove ${entityRef} from the catalog (catalog.location.delete): ask a catalog admin to ${byHand}`,
      };
    }
    return {
      removed: false,
      message: `${entityRef} could not be removed from the catalog (${e.name}: ${e.message}); ${byHand}`,
    };
  }
}

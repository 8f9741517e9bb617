import { Entity } from '@backstage/catalog-model';
import {
  KPAAS_CLUSTER_ANNOTATION,
  KUBERNETES_CLUSTER_RESOURCE_TYPE,
} from '@internal/plugin-kpaas-common';

/**
 * True for catalog `Resource` entities of `spec.type: kubernetes-cluster` that carry the kpaas
 * cluster annotation; the kpaas card and tab render only there.
 * @public
 */
export function isKpaasCluster(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === KUBERNETES_CLUSTER_RESOURCE_TYPE &&
    Boolean(entity.metadata.annotations?.[KPAAS_CLUSTER_ANNOTATION])
  );
}

/** The same condition as an entity predicate, for new-frontend-system filters. @public */
export const kpaasClusterEntityFilter = {
  kind: 'resource',
  'spec.type': KUBERNETES_CLUSTER_RESOURCE_TYPE,
  [`metadata.annotations.${KPAAS_CLUSTER_ANNOTATION}`]: { $exists: true },
};

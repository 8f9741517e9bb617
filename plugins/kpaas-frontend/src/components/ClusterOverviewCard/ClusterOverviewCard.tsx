import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  KPAAS_CLUSTER_ANNOTATION,
  KPAAS_TARGET_ANNOTATION,
} from '@internal/plugin-kpaas-common';

/**
 * Overview card of a kpaas cluster. For now it shows what the catalog knows about the cluster;
 * live health, nodes and add-ons come from kpaas-backend.
 * @public
 */
export function ClusterOverviewCard() {
  const { entity } = useEntity();
  const annotations = entity.metadata.annotations ?? {};
  return (
    <InfoCard title="Kubernetes cluster">
      <StructuredMetadataTable
        metadata={{
          cluster: annotations[KPAAS_CLUSTER_ANNOTATION],
          target: annotations[KPAAS_TARGET_ANNOTATION] ?? 'unknown',
          owner: String(entity.spec?.owner ?? ''),
        }}
      />
    </InfoCard>
  );
}

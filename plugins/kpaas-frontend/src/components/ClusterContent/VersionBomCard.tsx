import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import type { VersionBom } from '@internal/plugin-kpaas-common';

function list(values: string[]): string {
  return values.length ? values.join(', ') : 'unknown';
}

/** Version bill of materials: what the cluster actually runs. */
export function VersionBomCard(props: { bom: VersionBom }) {
  const { bom } = props;
  const addons = bom.addons.length
    ? bom.addons.map(a => `${a.id}: ${[a.chart, a.version].filter(Boolean).join(' ') || 'unknown'}`)
    : ['none'];
  return (
    <InfoCard title="Version bill of materials">
      <StructuredMetadataTable
        dense
        metadata={{
          Kubernetes: bom.kubernetes ?? 'unknown',
          'Container runtimes': list(bom.containerRuntimes),
          Kernels: list(bom.kernels),
          'OS images': list(bom.osImages),
          CNI: bom.cni ?? 'unknown',
          'Add-on charts': addons,
        }}
      />
    </InfoCard>
  );
}

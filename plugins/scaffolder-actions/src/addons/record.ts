import { AddonCluster } from './cluster';

/*
 * What kpaas:addons installed on a cluster, kept in the ConfigMap kube-system/kpaas-addons (ids
 * only, no values): a later run uninstalls only add-ons it installed, and a release of a catalog
 * chart someone installed by hand is left alone (and protects what it depends on).
 */

export const ADDON_RECORD = { namespace: 'kube-system', name: 'kpaas-addons' };

export interface AddonRecord {
  /** Add-ons kpaas:addons installed */
  installed: string[];
}

const ids = (text: string | undefined): string[] => {
  try {
    const parsed = JSON.parse(text ?? '[]');
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
};

/** The record, or undefined on a cluster no run of this kpaas version has recorded yet. */
export async function readAddonRecord(
  cluster: AddonCluster,
): Promise<AddonRecord | undefined> {
  try {
    const cm = await cluster.core.readNamespacedConfigMap(ADDON_RECORD);
    return { installed: ids(cm.data?.installed) };
  } catch (e) {
    const code = (e as { code?: number; statusCode?: number }).code;
    if (code === 404) return undefined;
    throw e;
  }
}

export async function writeAddonRecord(
  cluster: AddonCluster,
  record: AddonRecord,
  deadline: number,
): Promise<void> {
  await cluster.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        ...ADDON_RECORD,
        labels: { 'app.kubernetes.io/managed-by': 'kpaas' },
      },
      data: {
        installed: JSON.stringify([...new Set(record.installed)].sort()),
      },
    } as any,
    deadline,
  );
}

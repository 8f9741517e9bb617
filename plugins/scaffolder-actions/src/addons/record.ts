import { AddonCluster } from './cluster';

/*
 * What kpaas:addons installed on a cluster and what cluster.yaml listed then, kept in the
 * ConfigMap kube-system/kpaas-addons (ids only, no values). The next run tells from it an add-on
 * cluster.yaml dropped (uninstall, or refuse when a listed add-on still depends on it) from one
 * it never listed (a dependency it pulled in), and never uninstalls a release it did not install.
 */

export const ADDON_RECORD = { namespace: 'kube-system', name: 'kpaas-addons' };

export interface AddonRecord {
  /** spec.addons ids as cluster.yaml listed them */
  listed: string[];
  /** Add-ons kpaas:addons installed (listed or pulled in as dependencies) */
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
    return {
      listed: ids(cm.data?.listed),
      installed: ids(cm.data?.installed),
    };
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
        listed: JSON.stringify(record.listed),
        installed: JSON.stringify([...new Set(record.installed)].sort()),
      },
    } as any,
    deadline,
  );
}

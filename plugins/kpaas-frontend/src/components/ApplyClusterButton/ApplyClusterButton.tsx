import { Entity } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import { kpaasClusterUpdatePermission } from '@internal/plugin-kpaas-common';
import useAsync from 'react-use/esm/useAsync';
import { kpaasApiRef } from '../../api';
import { repoPickerValue } from '../ChangeClusterButton/ChangeClusterButton';

/** The apply template (templates/kpaas-cluster-apply) in the scaffolder. */
export const APPLY_TEMPLATE_PATH =
  '/create/templates/default/kpaas-cluster-apply';

/** Where the catalog read the cluster's catalog-info.yaml: its branch and folder. */
export interface CatalogSource {
  branch: string;
  /** Folder of catalog-info.yaml (and cluster.yaml) in the repository; "." for the root. */
  path: string;
}

/**
 * The branch and folder of the location the catalog registered the cluster from
 * (`backstage.io/managed-by-location`, e.g.
 * `url:https://github.com/acme/demo/tree/main/catalog-info.yaml`): GitHub `/tree/` or `/blob/`,
 * GitLab `/-/tree/` or `/-/blob/`, Gitea `/src/branch/`. kpaas-cluster-apply registers it from
 * the branch it built, the merged default branch.
 */
export function catalogSource(entity: Entity): CatalogSource | undefined {
  const location =
    entity.metadata.annotations?.['backstage.io/managed-by-location'];
  if (!location?.startsWith('url:')) return undefined;
  let pathname: string;
  try {
    pathname = new URL(location.slice(4)).pathname;
  } catch {
    return undefined;
  }
  const m =
    /\/(?:-\/)?(?:tree|blob)\/([^/]+)\/(.*)$|\/src\/branch\/([^/]+)\/(.*)$/.exec(
      pathname,
    );
  if (!m) return undefined;
  const branch = decodeURIComponent(m[1] ?? m[3]);
  const file = m[2] ?? m[4];
  const folder = file.split('/').slice(0, -1).join('/');
  return { branch, path: folder || '.' };
}

/** The apply template's URL with the repository, its branch and folder preselected. */
export function applyTemplateUrl(repoUrl?: string, source?: CatalogSource) {
  const formData: Record<string, string> = {};
  const picker = repoPickerValue(repoUrl);
  if (picker) formData.repoUrl = picker;
  if (source) {
    formData.branch = source.branch;
    formData.path = source.path;
  }
  return `${APPLY_TEMPLATE_PATH}?${new URLSearchParams({
    formData: JSON.stringify(formData),
  })}`;
}

/**
 * "Apply": after a change's pull request is merged, opens the kpaas-cluster-apply template on
 * the cluster's registered repository, with the branch and folder the catalog reads the
 * cluster from (the merged default branch). Shown only with kpaas.cluster.update on the
 * cluster; every action of the template checks the same permission again.
 */
export function ApplyClusterButton(props: { clusterName: string }) {
  const { clusterName } = props;
  const { entity } = useEntity();
  const { allowed, loading } = usePermission({
    permission: kpaasClusterUpdatePermission,
    resourceRef: clusterName,
  });
  const api = useApi(kpaasApiRef);
  const registration = useAsync(
    async () => (allowed ? api.getCluster(clusterName) : undefined),
    [api, clusterName, allowed],
  );
  if (loading || !allowed) return null;
  return (
    <Button
      variant="outlined"
      color="primary"
      size="small"
      disabled={registration.loading}
      title="Apply the merged cluster.yaml of the default branch (kpaas-cluster-apply)"
      href={applyTemplateUrl(
        registration.value?.repoUrl,
        catalogSource(entity),
      )}
    >
      Apply
    </Button>
  );
}

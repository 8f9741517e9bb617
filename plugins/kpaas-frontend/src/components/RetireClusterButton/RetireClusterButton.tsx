import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import { kpaasClusterDeletePermission } from '@internal/plugin-kpaas-common';
import useAsync from 'react-use/esm/useAsync';
import { kpaasApiRef } from '../../api';
import { catalogSource } from '../ApplyClusterButton/ApplyClusterButton';
import { repoPickerValue } from '../ChangeClusterButton/ChangeClusterButton';

/** The retire template (templates/kpaas-cluster-retire) in the scaffolder. */
export const RETIRE_TEMPLATE_PATH =
  '/create/templates/default/kpaas-cluster-retire';

/**
 * The retire template's URL with the cluster, its repository and the branch and folder the
 * catalog reads it from preselected; the name is never filled in (it is typed again).
 */
export function retireTemplateUrl(
  entityRef: string,
  repoUrl?: string,
  source?: { branch: string; path: string },
) {
  const formData: Record<string, string> = { cluster: entityRef };
  const picker = repoPickerValue(repoUrl);
  if (picker) formData.repoUrl = picker;
  if (source) {
    formData.branch = source.branch;
    formData.path = source.path;
  }
  return `${RETIRE_TEMPLATE_PATH}?${new URLSearchParams({
    formData: JSON.stringify(formData),
  })}`;
}

/**
 * "Retire cluster": opens the kpaas-cluster-retire template for this cluster. Shown only with
 * kpaas.cluster.delete on the cluster (kpaas:retire and kpaas-backend's retire route check the
 * same permission).
 */
export function RetireClusterButton(props: { clusterName: string }) {
  const { clusterName } = props;
  const { entity } = useEntity();
  const { allowed, loading } = usePermission({
    permission: kpaasClusterDeletePermission,
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
      color="secondary"
      size="small"
      disabled={registration.loading}
      href={retireTemplateUrl(
        stringifyEntityRef(entity),
        registration.value?.repoUrl,
        catalogSource(entity),
      )}
    >
      Retire cluster
    </Button>
  );
}

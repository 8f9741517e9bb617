import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import { kpaasClusterUpdatePermission } from '@internal/plugin-kpaas-common';
import useAsync from 'react-use/esm/useAsync';
import { kpaasApiRef } from '../../api';

/** The day-2 change template (templates/kpaas-cluster-change) in the scaffolder. */
export const CHANGE_TEMPLATE_PATH =
  '/create/templates/default/kpaas-cluster-change';

/**
 * The RepoUrlPicker value (`host?owner=…&repo=…`) of a registered repository URL
 * (`https://host/owner[/sub]/repo`, as kpaas-backend records it), or undefined.
 */
export function repoPickerValue(repoUrl: string | undefined) {
  if (!repoUrl) return undefined;
  try {
    const url = new URL(repoUrl);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length < 2) return undefined;
    const repo = parts.pop() as string;
    return `${url.host}?${new URLSearchParams({
      owner: parts.join('/'),
      repo,
    })}`;
  } catch {
    return undefined;
  }
}

/** The change template's URL with the cluster (and its repository, when known) preselected. */
export function changeTemplateUrl(entityRef: string, repoUrl?: string) {
  const formData: Record<string, string> = { cluster: entityRef };
  const picker = repoPickerValue(repoUrl);
  if (picker) formData.repoUrl = picker;
  return `${CHANGE_TEMPLATE_PATH}?${new URLSearchParams({
    formData: JSON.stringify(formData),
  })}`;
}

/**
 * "Change cluster": opens the kpaas-cluster-change template with this cluster and its
 * registered repository filled in. Shown only with kpaas.cluster.update on the cluster (the
 * action checks the same permission before it writes anything).
 */
export function ChangeClusterButton(props: {
  clusterName: string;
  /** What the button leads to where it is shown (default "Change cluster"). */
  label?: string;
}) {
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
      href={changeTemplateUrl(
        stringifyEntityRef(entity),
        registration.value?.repoUrl,
      )}
    >
      {props.label ?? 'Change cluster'}
    </Button>
  );
}

import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { kpaasApiRef } from '../../api';
import { ChangeClusterButton } from '../ChangeClusterButton';
import { OperationsView } from './OperationsView';

/** The Operations section of the Cluster tab, from GET /clusters/:name/operations. */
export function OperationsSection(props: { clusterName: string }) {
  const api = useApi(kpaasApiRef);
  const { value, error, loading } = useAsync(
    async () => ({
      ops: await api.getClusterOperations(props.clusterName),
      at: Date.now(),
    }),
    [api, props.clusterName],
  );
  if (loading) return null;
  if (error || !value?.ops) {
    return (
      <Typography variant="body2" color="error">
        Operations (backups, expiries, versions) could not be read:{' '}
        {error?.message ?? 'no answer'}
      </Typography>
    );
  }
  return (
    <OperationsView
      ops={value.ops}
      now={value.at}
      upgradeAction={
        <ChangeClusterButton
          clusterName={props.clusterName}
          label="Plan an upgrade"
        />
      }
    />
  );
}

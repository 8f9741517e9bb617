import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  accessBindings,
  clusterOidc,
  clusterSpecSchema,
} from '@internal/plugin-kpaas-common';
import useAsync from 'react-use/esm/useAsync';
import { kpaasApiRef } from '../../api';
import { KubeconfigButton } from './KubeconfigButton';

/**
 * The Access card of the Cluster tab: how people sign in (OIDC issuer), who gets which role
 * (the bindings kpaas:addons keeps on the cluster, from cluster.yaml's spec.access), and the
 * Kubeconfig button for those allowed to sign in.
 */
export function ClusterAccessCard(props: { clusterName: string }) {
  const api = useApi(kpaasApiRef);
  const { value: registration } = useAsync(
    async () => api.getCluster(props.clusterName),
    [api, props.clusterName],
  );
  const parsed = clusterSpecSchema.safeParse(registration?.spec);
  if (!parsed.success) return null;
  const oidc = clusterOidc(parsed.data);
  const bindings = accessBindings(parsed.data);
  return (
    <InfoCard title="Access">
      {!oidc ? (
        <Typography variant="body2">
          OIDC sign-in is off: it needs the kubeadm installer and the keycloak
          add-on or spec.access.oidc.issuerUrl in cluster.yaml; change it and
          apply the change.
        </Typography>
      ) : (
        <>
          <Typography variant="body2" gutterBottom>
            Sign-in: {oidc.issuerUrl} (client {oidc.clientId})
          </Typography>
          <Table size="small" aria-label="Role bindings">
            <TableHead>
              <TableRow>
                <TableCell>Who</TableCell>
                <TableCell>ClusterRole</TableCell>
                <TableCell>Where</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {bindings.map(b => (
                <TableRow key={`${b.kind}/${b.namespace ?? ''}/${b.name}`}>
                  <TableCell>{b.ref}</TableCell>
                  <TableCell>{b.clusterRole}</TableCell>
                  <TableCell>
                    {b.namespace ? `namespace ${b.namespace}` : 'cluster-wide'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <KubeconfigButton clusterName={props.clusterName} />
        </>
      )}
    </InfoCard>
  );
}

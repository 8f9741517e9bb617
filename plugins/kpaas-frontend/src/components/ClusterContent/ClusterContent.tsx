import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { RequirePermission } from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Skeleton from '@material-ui/lab/Skeleton';
import {
  KPAAS_CLUSTER_ANNOTATION,
  kpaasClusterReadPermission,
} from '@internal/plugin-kpaas-common';
import { useClusterStatus } from '../../hooks/useClusterStatus';
import { responseStatus } from '../../api';
import { HealthBadge } from '../shared/HealthBadge';
import { LastChecked } from '../shared/LastChecked';
import {
  ClusterLoadError,
  ReadPermissionMissing,
} from '../shared/ClusterLoadError';
import { RefreshButton } from '../shared/RefreshButton';
import { countReady } from '../shared/counts';
import { StatusNotices } from '../shared/StatusNotices';
import { NodesTable } from './NodesTable';
import { AddonsTable } from './AddonsTable';
import { PlatformServicesTable } from './PlatformServicesTable';
import { ProvisioningTimeline } from './ProvisioningTimeline';
import { VersionBomCard } from './VersionBomCard';
import { ClusterAccessCard } from '../KubeconfigButton';
import { OperationsSection } from '../OperationsSection';
import { ApplyClusterButton } from '../ApplyClusterButton';
import { ChangeClusterButton } from '../ChangeClusterButton';
import { RetireClusterButton } from '../RetireClusterButton';

/**
 * The Cluster tab of a kpaas cluster entity: nodes, add-ons, platform services, provisioning
 * timeline and version bill of materials. Re-reads every 30 s while the page is visible.
 * @public
 */
export function ClusterContent() {
  const { entity } = useEntity();
  const clusterName =
    entity.metadata.annotations?.[KPAAS_CLUSTER_ANNOTATION] ?? '';
  return (
    <RequirePermission
      permission={kpaasClusterReadPermission}
      resourceRef={clusterName}
      errorPage={<ReadPermissionMissing />}
    >
      <ClusterDetails clusterName={clusterName} />
    </RequirePermission>
  );
}

function ClusterDetails(props: { clusterName: string }) {
  const { clusterName } = props;
  const state = useClusterStatus(clusterName, { timeline: true });
  const { status, error, timeline = [], loadedAt = Date.now() } = state;

  if (state.loading) return <ContentSkeleton />;

  const timelineSection = (
    <Grid item xs={12}>
      <ProvisioningTimeline
        entries={timeline}
        now={loadedAt}
        error={state.timelineError}
      />
    </Grid>
  );

  if (!status && error) {
    return (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <InfoCard title={`Cluster ${clusterName}`}>
            <ClusterLoadError
              clusterName={clusterName}
              error={error}
              onRetry={state.reload}
            />
          </InfoCard>
        </Grid>
        {/* A cluster still provisioning is not registered yet, but its timeline already is. */}
        {responseStatus(error) === 404 &&
          timeline.length > 0 &&
          timelineSection}
      </Grid>
    );
  }
  if (!status) return null;

  const provisioning = status.state === 'Provisioning';
  const nodes = countReady(status.nodes, n => n.ready);
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard
          title={`Cluster ${clusterName}`}
          action={
            <Box display="flex" alignItems="center" style={{ gap: 8 }}>
              <ChangeClusterButton clusterName={clusterName} />
              <ApplyClusterButton clusterName={clusterName} />
              <RetireClusterButton clusterName={clusterName} />
              <RefreshButton
                clusterName={clusterName}
                busy={state.reloading}
                onRefresh={state.refresh}
              />
            </Box>
          }
        >
          <Box
            display="flex"
            flexWrap="wrap"
            alignItems="flex-start"
            style={{ gap: 32 }}
          >
            <HealthBadge
              state={status.state}
              reason={status.reason ?? status.api.error}
            />
            <Typography variant="body2" data-testid="cluster-nodes">
              {nodes.ready}/{nodes.total} nodes ready
            </Typography>
            <Typography variant="body2">
              Kubernetes{' '}
              {status.api.version ?? status.bom.kubernetes ?? 'unknown'}
            </Typography>
            <Typography variant="body2">
              Last checked <LastChecked at={status.checkedAt} />
            </Typography>
          </Box>
          <Box mt={1}>
            <StatusNotices
              status={status}
              error={error}
              refreshNotice={state.refreshNotice}
            />
          </Box>
        </InfoCard>
      </Grid>
      {/* While provisioning, the timeline is what the owner is waiting on: show it first. */}
      {provisioning && timelineSection}
      <Grid item xs={12}>
        <NodesTable nodes={status.nodes} now={loadedAt} />
      </Grid>
      <Grid item xs={12}>
        <AddonsTable addons={status.addons} />
      </Grid>
      <Grid item xs={12}>
        <PlatformServicesTable links={status.links} addons={status.addons} />
      </Grid>
      <Grid item xs={12} md={6}>
        <VersionBomCard bom={status.bom} />
      </Grid>
      <Grid item xs={12} md={6}>
        <ClusterAccessCard clusterName={clusterName} />
      </Grid>
      <Grid item xs={12}>
        <OperationsSection clusterName={clusterName} />
      </Grid>
      {!provisioning && timeline.length > 0 && timelineSection}
    </Grid>
  );
}

function ContentSkeleton() {
  return (
    <div data-testid="cluster-content-loading" aria-busy="true">
      <Skeleton variant="rect" height={96} />
      <Box mt={3}>
        <Skeleton variant="rect" height={320} />
      </Box>
      <Box mt={3}>
        <Skeleton variant="rect" height={200} />
      </Box>
    </div>
  );
}

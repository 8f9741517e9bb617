import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { RequirePermission } from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Skeleton from '@material-ui/lab/Skeleton';
import type { ReactNode } from 'react';
import {
  ClusterStatus,
  KPAAS_CLUSTER_ANNOTATION,
  KPAAS_TARGET_ANNOTATION,
  kpaasClusterReadPermission,
} from '@internal/plugin-kpaas-common';
import { useClusterStatus } from '../../hooks/useClusterStatus';
import { HealthBadge } from '../shared/HealthBadge';
import { LastChecked } from '../shared/LastChecked';
import { PlatformLinks } from '../shared/PlatformLinks';
import {
  ClusterLoadError,
  ReadPermissionMissing,
} from '../shared/ClusterLoadError';
import { RefreshButton } from '../shared/RefreshButton';
import { countReady } from '../shared/counts';
import { StatusNotices } from '../shared/StatusNotices';

const TITLE = 'Kubernetes cluster';

/**
 * Overview card of a kpaas cluster entity: health, versions, readiness counts, last check and
 * the platform UIs with their probe results. Re-reads every 30 s while the page is visible.
 * @public
 */
export function ClusterOverviewCard() {
  const { entity } = useEntity();
  const clusterName =
    entity.metadata.annotations?.[KPAAS_CLUSTER_ANNOTATION] ?? '';
  const target = entity.metadata.annotations?.[KPAAS_TARGET_ANNOTATION];
  const subheader = [clusterName, target].filter(Boolean).join(' · ');
  return (
    <RequirePermission
      permission={kpaasClusterReadPermission}
      resourceRef={clusterName}
      errorPage={
        <InfoCard title={TITLE} subheader={subheader}>
          <ReadPermissionMissing />
        </InfoCard>
      }
    >
      <ClusterOverview clusterName={clusterName} subheader={subheader} />
    </RequirePermission>
  );
}

function ClusterOverview(props: { clusterName: string; subheader: string }) {
  const { clusterName, subheader } = props;
  const state = useClusterStatus(clusterName);
  const { status, error, loading } = state;
  let body: ReactNode;
  if (loading) {
    body = <OverviewSkeleton />;
  } else if (!status && error) {
    body = (
      <ClusterLoadError
        clusterName={clusterName}
        error={error}
        onRetry={state.reload}
      />
    );
  } else if (status) {
    body = (
      <>
        <StatusNotices
          status={status}
          error={error}
          refreshNotice={state.refreshNotice}
        />
        <OverviewFacts status={status} />
      </>
    );
  }
  return (
    <InfoCard
      title={TITLE}
      subheader={subheader}
      action={
        <RefreshButton
          clusterName={clusterName}
          busy={state.reloading}
          onRefresh={state.refresh}
        />
      }
    >
      {body}
    </InfoCard>
  );
}

function Fact(props: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Grid item xs={12} sm={6}>
      <Typography variant="caption" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Typography variant="body2" component="div" data-testid={props.testId}>
        {props.children}
      </Typography>
    </Grid>
  );
}

function OverviewFacts(props: { status: ClusterStatus }) {
  const { status } = props;
  const nodes = countReady(status.nodes, n => n.ready);
  const addons = countReady(status.addons, a => a.state === 'Healthy');
  const { controlPlane } = status;
  const { etcd } = controlPlane;
  const etcdText = etcd.members
    ? `etcd ${etcd.quorum ? 'quorum' : 'quorum lost'} (${etcd.healthyMembers}/${
        etcd.members
      } members)`
    : 'etcd not reported';
  return (
    <>
      <HealthBadge
        state={status.state}
        reason={status.reason ?? status.api.error}
      />
      <Box mt={2}>
        <Grid container spacing={2}>
          <Fact label="Kubernetes" testId="cluster-version">
            {status.api.version ?? status.bom.kubernetes ?? 'unknown'}
          </Fact>
          <Fact label="Nodes" testId="cluster-nodes">
            {nodes.ready}/{nodes.total} nodes ready
          </Fact>
          <Fact label="Control plane" testId="cluster-control-plane">
            {controlPlane.ready}/{controlPlane.total} control planes ready,{' '}
            {etcdText}
          </Fact>
          <Fact label="Add-ons" testId="cluster-addons">
            {addons.ready}/{addons.total} add-ons healthy
          </Fact>
          <Fact label="Last checked">
            <LastChecked at={status.checkedAt} />
          </Fact>
        </Grid>
      </Box>
      <Box mt={2}>
        <Typography variant="caption" color="textSecondary" component="div">
          Platform
        </Typography>
        <PlatformLinks links={status.links} />
      </Box>
    </>
  );
}

function OverviewSkeleton() {
  return (
    <div data-testid="cluster-overview-loading" aria-busy="true">
      <Skeleton variant="text" width="40%" height={32} />
      <Skeleton variant="text" width="70%" />
      <Skeleton variant="text" width="60%" />
      <Skeleton variant="text" width="65%" />
      <Skeleton variant="rect" height={24} />
    </div>
  );
}

import type { AddonCatalog, AddonRetirement } from './addons/schema';
import type { GatewayApiObjectReadiness } from './readiness/gatewayApi';
import type { BackupStatus } from './operations/backupStatus';
import type { ExpiryItem } from './operations/expiry';
/**
 * Types of the kpaas-backend REST API (`/api/kpaas`). The frontend, the scaffolder actions and
 * the backend all use these, so a change here is a change to the contract. Responses never
 * carry tokens, CA keys or kubeconfigs.
 */

/** @public */
export type ClusterHealthState =
  | 'Healthy'
  | 'Degraded'
  | 'Unreachable'
  | 'Provisioning';

/** `GET /api/kpaas/health` @public */
export interface KpaasHealthResponse {
  status: 'ok';
}

/** Where a registration came from. @public */
export type ClusterSource = 'registered' | 'config';

/**
 * Body of `POST /api/kpaas/clusters` (register or re-register). The credential is write-only:
 * it is encrypted at rest and never returned.
 * @public
 */
export interface RegisterClusterRequest {
  name: string;
  entityRef?: string;
  apiServerUrl: string;
  /** PEM CA certificate of the API server. */
  caData?: string;
  /** Bearer token of the read-only ServiceAccount kpaas:bootstrap created. */
  serviceAccountToken: string;
  /** The cluster.yaml spec (a ClusterSpec object) as provisioned. */
  spec?: unknown;
  /** Scaffolder task that registered it. */
  taskId?: string;
  /**
   * The cluster repo (https URL). Stored normalized; runs on an existing cluster must come
   * from it.
   */
  repoUrl?: string;
}

/** `GET /api/kpaas/clusters/:name`: registration without the credential. @public */
export interface ClusterRegistration {
  name: string;
  entityRef?: string;
  apiServerUrl: string;
  source: ClusterSource;
  /** SHA-256 fingerprint of the CA certificate (never the CA key). */
  caFingerprint?: string;
  spec?: unknown;
  /** Scaffolder task that registered it last (a retry of that task may continue its work). */
  taskId?: string;
  /** Owner entity ref (`metadata.owner` of the spec, e.g. `group:default/team`). */
  owner?: string;
  /** The cluster repo, normalized (https, lower-case host, no trailing `.git` or `/`). */
  repoUrl?: string;
  createdAt: string;
  updatedAt: string;
}

/** One item of `GET /api/kpaas/clusters`. @public */
export interface ClusterSummary {
  name: string;
  entityRef?: string;
  apiServerUrl: string;
  state: ClusterHealthState;
  reason?: string;
  kubernetesVersion?: string;
  nodes: { ready: number; total: number };
  controlPlanes: { ready: number; total: number };
  addons: { healthy: number; total: number };
  checkedAt?: string;
  /** True when the last refresh failed part-way and the figures are from an earlier complete one. */
  stale?: boolean;
  source?: ClusterSource;
  /** Owner entity ref (`metadata.owner` of the spec, e.g. `group:default/team`). */
  owner?: string;
  /** `metadata.environment` of the spec (sandbox, dev, staging, production). */
  environment?: string;
  /** `spec.target.type` of the spec (kakaocloud, multipass, vagrant, existing). */
  target?: string;
}

/** `GET /api/kpaas/clusters` @public */
export interface ListClustersResponse {
  items: ClusterSummary[];
}

/**
 * `GET /api/kpaas/addons`: the add-on catalog the backend judges clusters by (values/addons.yaml),
 * for the order form's add-on picker. @public
 */
export interface AddonCatalogResponse {
  catalog: AddonCatalog;
}

/** `GET /api/kpaas/clusters/:name/timeline` @public */
export interface TimelineResponse {
  items: TimelineEntry[];
}

/** `POST /api/kpaas/clusters/:name/refresh` @public */
export interface RefreshClusterResponse {
  status: ClusterStatus;
}

/** A `/readyz?verbose` check. @public */
export interface ApiHealthCheck {
  name: string;
  ok: boolean;
  message?: string;
}

/** API server section of the status. @public */
export interface ApiServerStatus {
  reachable: boolean;
  /** `/version` gitVersion, e.g. v1.33.5 */
  version?: string;
  latencyMs?: number;
  checks: ApiHealthCheck[];
  /** Connect/TLS/HTTP error when unreachable or failing. */
  error?: string;
}

/** Control plane section. @public */
export interface ControlPlaneStatus {
  ready: number;
  total: number;
  etcd: { healthyMembers: number; members: number; quorum: boolean };
  /** kube-system static pods per control-plane node. */
  staticPods: Array<{
    node: string;
    component:
      | 'kube-apiserver'
      | 'kube-controller-manager'
      | 'kube-scheduler'
      | 'etcd';
    ready: boolean;
  }>;
}

/** A node condition. @public */
export interface NodeConditionStatus {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  since?: string;
}

/** One node as the status API reports it. @public */
export interface NodeStatus {
  name: string;
  roles: string[];
  ready: boolean;
  /** Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned. */
  status: string;
  conditions: NodeConditionStatus[];
  unschedulable: boolean;
  taints: Array<{ key: string; value?: string; effect: string }>;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
  containerRuntime?: string;
  osImage?: string;
  kernelVersion?: string;
  architecture?: string;
  internalIp?: string;
  externalIp?: string;
  capacity: { cpu?: string; memory?: string; pods?: string };
  allocatable: { cpu?: string; memory?: string; pods?: string };
  createdAt?: string;
}

/** State of one add-on. @public */
export type AddonState = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing';

/** One add-on of the cluster's spec, as running. @public */
export interface AddonStatus {
  id: string;
  title: string;
  namespace: string;
  declaredVersion?: string;
  /** From the workloads' `helm.sh/chart` label. */
  runningVersion?: string;
  workloads: { ready: number; total: number };
  state: AddonState;
  reason?: string;
  uiUrl?: string;
  /** Its Gateway API objects (an implementation's Gateway, a UI's HTTPRoute), judged by their conditions */
  routes?: GatewayApiObjectReadiness[];
  /** Upstream retired the project (catalog `retired`) */
  retired?: AddonRetirement;
}

/** A platform UI link with its probe result. @public */
export interface PlatformLinkStatus {
  title: string;
  url: string;
  addonId?: string;
  icon?: string;
  /** The HTTPRoute or Ingress that routes it */
  route?: { kind: 'HTTPRoute' | 'Ingress'; namespace: string; name: string };
  probe?: {
    ok: boolean;
    httpStatus?: number;
    latencyMs?: number;
    tlsExpiresInDays?: number;
    error?: string;
    checkedAt: string;
  };
}

/** Version bill of materials. @public */
export interface VersionBom {
  kubernetes?: string;
  containerRuntimes: string[];
  kernels: string[];
  osImages: string[];
  cni?: string;
  addons: Array<{ id: string; chart?: string; version?: string }>;
}

/** `GET /api/kpaas/clusters/:name/status` @public */
export interface ClusterStatus {
  name: string;
  state: ClusterHealthState;
  reason?: string;
  checkedAt: string;
  api: ApiServerStatus;
  controlPlane: ControlPlaneStatus;
  nodes: NodeStatus[];
  addons: AddonStatus[];
  links: PlatformLinkStatus[];
  bom: VersionBom;
  /**
   * Certificates that expire, soonest first (the API server's serving certificate from the TLS
   * handshake); one inside the critical window makes the cluster Degraded.
   */
  expiries?: ExpiryItem[];
  /**
   * etcd backups when spec.backup is set (the backup CronJob's result ConfigMap and failed
   * Jobs); `stale` (older than spec.backup.maxAgeHours) makes the cluster Degraded.
   */
  backup?: Pick<BackupStatus, 'state' | 'message' | 'lastSuccessAt'>;
  /**
   * True when the newest refresh could not complete (e.g. a LIST failed mid-way) and this is the
   * last complete status; `staleReason` says why and `attemptedAt` when it was tried.
   */
  stale?: boolean;
  staleReason?: string;
  attemptedAt?: string;
  /** How long collecting this status took. */
  durationMs?: number;
}

/** Status of a timeline entry. @public */
export type TimelineStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

/** One entry of the provisioning timeline. @public */
export interface TimelineEntry {
  id: number;
  cluster: string;
  /** provision, bootstrap or addons */
  phase: string;
  /** e.g. `init`, `plan`, `apply`, `preflight`, `install:metallb` */
  step: string;
  status: TimelineStatus;
  startedAt: string;
  finishedAt?: string;
  summary?: string;
  taskId?: string;
}

/** Body of `POST /api/kpaas/clusters/:name/timeline`. @public */
export interface TimelineEventRequest {
  phase: string;
  step: string;
  status: TimelineStatus;
  startedAt?: string;
  finishedAt?: string;
  summary?: string;
  taskId?: string;
}

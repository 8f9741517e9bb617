import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  clusterOidc,
  clusterSpecSchema,
  kpaasClusterAccessPermission,
  MAX_CLUSTER_NAME_LENGTH,
  oidcKubeconfig,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import Router from 'express-promise-router';
import yaml from 'yaml';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import {
  KpaasAccess,
  requireClusterPermission,
} from '../service/requirePermission';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What the kubeconfig route needs. */
export interface KubeconfigRouterOptions {
  registry: { get(name: string): Promise<ClusterRecord | undefined> };
  access: KpaasAccess;
  logger: LoggerService;
}

/**
 * `GET /clusters/:name/kubeconfig`: a kubeconfig that signs the caller in through OIDC with
 * kubelogin (`kubectl oidc-login get-token`): the API endpoint and CA kpaas registered for the
 * cluster, the issuer and client ID derived from its cluster.yaml (`spec.access.oidc`), and no
 * token or key. Needs `kpaas.cluster.access` on the cluster (owners and admins in the sample
 * policy). What the user may do once signed in is the cluster's RBAC (spec.access).
 */
export function createKubeconfigRouter(
  options: KubeconfigRouterOptions,
): express.Router {
  const router = Router();
  router.get('/clusters/:name/kubeconfig', async (req, res) => {
    const name = req.params.name;
    if (!NAME.test(name) || name.length > MAX_CLUSTER_NAME_LENGTH) {
      throw new InputError(
        `cluster name: "${name}" must be a DNS-1123 label: lowercase letters, digits and "-", e.g. "demo-prod"`,
      );
    }
    const credentials = await requireClusterPermission(
      options.access,
      req,
      kpaasClusterAccessPermission,
      name,
    );
    const record = await options.registry.get(name);
    if (!record) throw new NotFoundError(`no cluster named "${name}"`);
    const parsed = clusterSpecSchema.safeParse(record.spec);
    if (!parsed.success) {
      throw new ConflictError(
        `cluster "${name}" has no valid cluster.yaml recorded (registered outside kpaas?); register it with kpaas:bootstrap to derive its sign-in settings`,
      );
    }
    const oidc = clusterOidc(parsed.data);
    if (!oidc) {
      throw new ConflictError(
        `cluster "${name}" has no OIDC sign-in: it needs the kubeadm installer and the keycloak add-on or spec.access.oidc.issuerUrl in its cluster.yaml; change cluster.yaml and apply the change`,
      );
    }
    const kubeconfig = oidcKubeconfig(
      {
        clusterName: name,
        apiServerUrl: record.apiServerUrl,
        caPem: record.caData,
      },
      oidc,
    );
    const principal = credentials.principal as {
      userEntityRef?: string;
      subject?: string;
    };
    options.logger.info(
      `kpaas: kubeconfig of cluster ${name} handed to ${
        principal.userEntityRef ?? principal.subject ?? 'a caller'
      } (OIDC, no credential inside)`,
    );
    res
      .status(200)
      .set({
        'Content-Type': 'application/yaml; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}-kubeconfig.yaml"`,
        'Cache-Control': 'no-store',
      })
      .send(yaml.stringify(kubeconfig));
  });
  return router;
}

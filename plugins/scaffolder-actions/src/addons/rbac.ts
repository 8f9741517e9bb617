import * as k8s from '@kubernetes/client-node';
import {
  ACCESS_BINDING_LABEL,
  AccessBinding,
  accessBindings,
  accessGroupNames,
  ClusterSpec,
  clusterOidc,
  KEYCLOAK_ADDON_ID,
} from '@internal/plugin-kpaas-common';
import { StepLogger } from '../ssh';
import {
  ensureKeycloakRealm,
  KeycloakRealmError,
  KeycloakRealmOptions,
  KeycloakRealmResult,
} from './keycloakRealm';
import type { AddonPlan } from './plan';

/*
 * The RBAC bindings spec.access asks for (accessBindings in kpaas-common), reconciled on the
 * cluster: each ClusterRoleBinding / RoleBinding kpaas manages carries the label
 * kpaas.io/access=binding; missing ones are created, changed ones replaced (a changed ClusterRole
 * is a new name, roleRef being immutable), labelled ones that spec.access no longer asks for are
 * deleted. Bindings without the label are never touched.
 */

const LABELS = {
  [ACCESS_BINDING_LABEL]: 'binding',
  'app.kubernetes.io/managed-by': 'kpaas',
};
const SELECTOR = `${ACCESS_BINDING_LABEL}=binding`;
const GROUP = 'rbac.authorization.k8s.io';

export interface RbacReconcileResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

function key(kind: string, namespace: string | undefined, name: string) {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function body(b: AccessBinding): k8s.V1ClusterRoleBinding {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: b.kind,
    metadata: {
      name: b.name,
      ...(b.namespace ? { namespace: b.namespace } : {}),
      labels: LABELS,
      annotations: { 'kpaas.io/access-ref': b.ref, 'kpaas.io/field': b.field },
    },
    roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: b.clusterRole },
    subjects: [{ apiGroup: GROUP, kind: b.subject.kind, name: b.subject.name }],
  };
}

function same(a: k8s.V1ClusterRoleBinding, b: k8s.V1ClusterRoleBinding) {
  return (
    JSON.stringify([
      a.roleRef?.name,
      a.subjects?.map(s => [s.kind, s.name]),
    ]) ===
      JSON.stringify([
        b.roleRef.name,
        b.subjects?.map(s => [s.kind, s.name]),
      ]) &&
    a.metadata?.annotations?.['kpaas.io/field'] ===
      b.metadata?.annotations?.['kpaas.io/field']
  );
}

export async function reconcileAccessBindings(opts: {
  bindings: AccessBinding[];
  kubeConfig: k8s.KubeConfig;
  logger: StepLogger;
}): Promise<RbacReconcileResult> {
  const rbac = opts.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
  const core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const existing = new Map<string, k8s.V1ClusterRoleBinding>();
  for (const b of (
    await rbac.listClusterRoleBinding({ labelSelector: SELECTOR })
  ).items) {
    existing.set(key('ClusterRoleBinding', undefined, b.metadata!.name!), b);
  }
  for (const b of (
    await rbac.listRoleBindingForAllNamespaces({ labelSelector: SELECTOR })
  ).items) {
    existing.set(
      key('RoleBinding', b.metadata!.namespace, b.metadata!.name!),
      b as k8s.V1ClusterRoleBinding,
    );
  }
  const result: RbacReconcileResult = { created: [], updated: [], deleted: [] };
  const wanted = new Set<string>();
  for (const b of opts.bindings) {
    const k = key(b.kind, b.namespace, b.name);
    wanted.add(k);
    const desired = body(b);
    const found = existing.get(k);
    if (found && same(found, desired)) continue;
    if (b.kind === 'RoleBinding' && !found) {
      // a RoleBinding needs its namespace: create it when missing (kpaas-labelled)
      await core
        .createNamespace({
          body: { metadata: { name: b.namespace!, labels: LABELS } },
        })
        .catch(e => {
          if ((e as { code?: number }).code !== 409) throw e;
        });
    }
    if (found) {
      desired.metadata!.resourceVersion = found.metadata?.resourceVersion;
      if (found.roleRef?.name !== b.clusterRole) {
        // roleRef is immutable
        await deleteBinding(rbac, b.kind, b.namespace, b.name);
        delete desired.metadata!.resourceVersion;
        await createBinding(rbac, desired);
      } else if (b.kind === 'RoleBinding') {
        await rbac.replaceNamespacedRoleBinding({
          name: b.name,
          namespace: b.namespace!,
          body: desired,
        });
      } else {
        await rbac.replaceClusterRoleBinding({ name: b.name, body: desired });
      }
      result.updated.push(k);
    } else {
      await createBinding(rbac, desired);
      result.created.push(k);
    }
  }
  for (const [k, b] of existing) {
    if (wanted.has(k)) continue;
    await deleteBinding(
      rbac,
      b.metadata?.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      b.metadata?.namespace,
      b.metadata!.name!,
    );
    result.deleted.push(k);
  }
  const line = (what: string, list: string[]) =>
    list.length ? ` ${what} ${list.join(', ')};` : '';
  opts.logger.info(
    `access: RBAC ${opts.bindings
      .map(
        b =>
          `${b.subject.kind} ${b.subject.name} -> ${b.clusterRole}${
            b.namespace ? ` in ${b.namespace}` : ''
          }`,
      )
      .join(', ')};${line('created', result.created)}${line(
      'updated',
      result.updated,
    )}${line('removed', result.deleted)}`.replace(/;$/, ''),
  );
  return result;
}

async function createBinding(
  rbac: k8s.RbacAuthorizationV1Api,
  b: k8s.V1ClusterRoleBinding,
) {
  if (b.kind === 'RoleBinding') {
    await rbac.createNamespacedRoleBinding({
      namespace: b.metadata!.namespace!,
      body: b,
    });
  } else await rbac.createClusterRoleBinding({ body: b });
}

async function deleteBinding(
  rbac: k8s.RbacAuthorizationV1Api,
  kind: string,
  namespace: string | undefined,
  name: string,
) {
  const ignoreGone = (e: unknown) => {
    if ((e as { code?: number }).code !== 404) throw e;
  };
  if (kind === 'RoleBinding') {
    await rbac
      .deleteNamespacedRoleBinding({ name, namespace: namespace! })
      .catch(ignoreGone);
  } else await rbac.deleteClusterRoleBinding({ name }).catch(ignoreGone);
}

/**
 * The add-ons step's access part (after the add-ons are installed): with OIDC on, the Keycloak
 * realm and client when the issuer is the cluster's Keycloak add-on, then the RBAC bindings.
 * Without OIDC, the kpaas-managed bindings are removed (there is nobody to bind).
 */
export async function applyClusterAccess(opts: {
  spec: ClusterSpec;
  plan: Pick<AddonPlan, 'addons'>;
  kubeConfig: k8s.KubeConfig;
  connect: KeycloakRealmOptions['connect'];
  logger: StepLogger;
  addSecret(value: string): void;
  deadline: number;
  signal?: AbortSignal;
}): Promise<{ keycloak?: KeycloakRealmResult; rbac: RbacReconcileResult }> {
  const oidc = clusterOidc(opts.spec);
  const bindings = accessBindings(opts.spec);
  let keycloak: KeycloakRealmResult | undefined;
  if (oidc?.source === 'keycloak') {
    const addon = opts.plan.addons.find(a => a.id === KEYCLOAK_ADDON_ID);
    if (!addon?.ui || !addon.credentialsRef) {
      throw new KeycloakRealmError(
        `the keycloak add-on is not in this run's plan with its UI service and credentials; add it to spec.addons or set spec.access.oidc.issuerUrl`,
      );
    }
    keycloak = await ensureKeycloakRealm({
      oidc,
      groups: accessGroupNames(bindings),
      keycloak: {
        namespace: addon.namespace,
        service: addon.ui.service,
        port: addon.ui.port,
        credentials: addon.credentialsRef,
      },
      kubeConfig: opts.kubeConfig,
      connect: opts.connect,
      logger: opts.logger,
      addSecret: opts.addSecret,
      deadline: opts.deadline,
      signal: opts.signal,
    });
  } else if (!oidc) {
    opts.logger.info(
      'access: OIDC is off (it needs the kubeadm installer and the keycloak add-on or spec.access.oidc.issuerUrl): no sign-in bindings',
    );
  }
  const rbac = await reconcileAccessBindings({
    bindings,
    kubeConfig: opts.kubeConfig,
    logger: opts.logger,
  });
  return { keycloak, rbac };
}

import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  KPAAS_CLUSTER_OWNER_RULE,
  KPAAS_CLUSTER_RESOURCE_TYPE,
} from '@internal/plugin-kpaas-common';
import { z } from 'zod';

/*
 * The `kpaas-cluster` resource type in the permission framework: resource ref = cluster name,
 * one rule (IS_CLUSTER_OWNER), and the condition helpers a policy uses to answer "allow when
 * the user owns the cluster" with a conditional decision.
 */

/** What the owner rule looks at: the cluster's owner, recorded at registration. @public */
export interface KpaasClusterResource {
  name: string;
  /** Full entity ref of the owner (`group:default/team`), from the spec's `metadata.owner`. */
  owner?: string;
}

/** The query form of the rule: the owner refs a cluster list may be filtered by. @public */
export type KpaasClusterQuery = { ownerIn: string[] };

/** @public */
export const kpaasClusterResourceRef = createPermissionResourceRef<
  KpaasClusterResource,
  KpaasClusterQuery
>().with({ pluginId: 'kpaas', resourceType: KPAAS_CLUSTER_RESOURCE_TYPE });

/**
 * `[kind:][namespace/]name` -> `kind:namespace/name`, lower-cased (entity refs compare
 * case-insensitively). A bare name is a group, as `metadata.owner` is in the catalog.
 * @public
 */
export function normalizeOwnerRef(ref: string): string {
  const m = /^(?:([^:/]+):)?(?:([^/]+)\/)?(.+)$/.exec(ref.trim());
  const [, kind = 'group', namespace = 'default', name = ref] = m ?? [];
  return `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US');
}

/** @public */
export const isClusterOwner = createPermissionRule({
  name: KPAAS_CLUSTER_OWNER_RULE,
  description:
    "Allow when the cluster's owner (metadata.owner of its cluster.yaml) is one of the claims: the user or a group the user belongs to",
  resourceRef: kpaasClusterResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe(
        'Entity refs the user owns through, usually user.info.ownershipEntityRefs',
      ),
  }),
  apply: (cluster, { claims }) =>
    cluster.owner !== undefined &&
    claims.some(claim => normalizeOwnerRef(claim) === cluster.owner),
  toQuery: ({ claims }) => ({ ownerIn: claims.map(normalizeOwnerRef) }),
});

const exported = createConditionExports({
  resourceRef: kpaasClusterResourceRef,
  rules: { isClusterOwner },
});

/**
 * Condition factories for policies, e.g.
 * `kpaasClusterConditions.isClusterOwner({ claims: user.info.ownershipEntityRefs })`.
 * @public
 */
export const kpaasClusterConditions = exported.conditions;

/** Wraps kpaas-cluster conditions into a conditional policy decision. @public */
export const createKpaasClusterConditionalDecision =
  exported.createConditionalDecision;

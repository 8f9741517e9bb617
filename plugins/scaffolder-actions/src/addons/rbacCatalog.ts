import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { ClusterSpec, fullAccessRef } from '@internal/plugin-kpaas-common';

/*
 * spec.access.groups[] names catalog groups; a ref the catalog does not know would bind a
 * Keycloak group nobody manages. kpaas:addons checks them before contacting the cluster and
 * refuses unknown ones naming the field.
 */

/** The subset of `refs` (full, lower-case entity refs) that exist in the catalog. */
export type CatalogRefsLookup = (refs: string[]) => Promise<Set<string>>;

/** Looks refs up in the catalog (`POST /entities/by-refs`) as the scaffolder module. */
export function catalogRefsLookup(options: {
  discovery: DiscoveryService;
  auth: AuthService;
}): CatalogRefsLookup {
  return async refs => {
    if (refs.length === 0) return new Set();
    const base = await options.discovery.getBaseUrl('catalog');
    const { token } = await options.auth.getPluginRequestToken({
      onBehalfOf: await options.auth.getOwnServiceCredentials(),
      targetPluginId: 'catalog',
    });
    const res = await fetch(`${base}/entities/by-refs`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        entityRefs: refs,
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      }),
    });
    if (!res.ok) {
      throw new Error(
        `spec.access.groups: the catalog could not be asked whether the groups exist (POST ${base}/entities/by-refs answered ${res.status}); check the catalog backend and re-run`,
      );
    }
    const body = (await res.json()) as {
      items: Array<{
        kind: string;
        metadata: { namespace?: string; name: string };
      } | null>;
    };
    return new Set(
      body.items
        .filter((e): e is NonNullable<typeof e> => !!e)
        .map(e =>
          fullAccessRef(
            `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`,
          ),
        ),
    );
  };
}

/** Refuses spec.access.groups[] entries the catalog does not know, naming each field. */
export async function checkAccessGroups(
  spec: Pick<ClusterSpec, 'spec'>,
  lookup: CatalogRefsLookup,
): Promise<void> {
  const groups = spec.spec.access.groups ?? [];
  if (groups.length === 0) return;
  const refs = groups.map(g => fullAccessRef(g.group));
  const found = await lookup([...new Set(refs)]);
  const problems = refs.flatMap((ref, i) =>
    found.has(ref)
      ? []
      : [
          `spec.access.groups[${i}].group: "${groups[i].group}" (${ref}) is not in the catalog; create the group there (or fix the reference) and re-run`,
        ],
  );
  if (problems.length) {
    throw new InputError(
      `cluster.yaml refers to unknown catalog groups:\n${problems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
  }
}

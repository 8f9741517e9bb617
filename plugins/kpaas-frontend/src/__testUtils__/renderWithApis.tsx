import type { ReactElement } from 'react';
import { SWRConfig } from 'swr';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Entity } from '@backstage/catalog-model';
import type { KpaasApi } from '../api';
import { kpaasApiRef } from '../api';

export const clusterEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'demo',
    annotations: {
      'kpaas.io/cluster-name': 'demo',
      'kpaas.io/target': 'existing',
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
};

/** A decision per permission and, for cluster permissions, the cluster name (resourceRef). */
export type Authorize = (
  permissionName: string,
  resourceRef?: string,
) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;

/**
 * Renders a legacy-app component on the demo cluster entity with the given kpaas client and
 * permission decisions. usePermission caches decisions in a global SWR cache: each render gets
 * its own, so one test's DENY does not leak into the next.
 */
export function renderWithApis(
  element: ReactElement,
  api: KpaasApi,
  authorize: Authorize = () => AuthorizeResult.ALLOW,
) {
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider
        apis={[
          [kpaasApiRef, api],
          [
            permissionApiRef,
            mockApis.permission({
              authorize: req =>
                authorize(
                  req.permission.name,
                  (req as { resourceRef?: string }).resourceRef,
                ),
            }),
          ],
        ]}
      >
        <EntityProvider entity={clusterEntity}>{element}</EntityProvider>
      </TestApiProvider>
    </SWRConfig>,
  );
}

import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The fleet page (`/kpaas` by default). @public */
export const rootRouteRef = createRouteRef();

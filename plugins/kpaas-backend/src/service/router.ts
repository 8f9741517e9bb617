import express from 'express';
import Router from 'express-promise-router';
import type { KpaasHealthResponse } from '@internal/plugin-kpaas-common';

/** Dependencies of the kpaas router. */
export interface RouterOptions {}

/** Creates the `/api/kpaas` router. */
export async function createRouter(
  _options: RouterOptions = {},
): Promise<express.Router> {
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    const body: KpaasHealthResponse = { status: 'ok' };
    res.json(body);
  });

  return router;
}

import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import express from 'express';
import type { Knex } from 'knex';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CredentialCipher } from '../../crypto/CredentialCipher';
import { createTerraformStateStore } from '../config';
import { createStateRouter } from '../router';
import type { TerraformStateStore } from '../TerraformStateStore';

/** The state router alone on 127.0.0.1 (express + mock Backstage auth), for tests. */
export interface StateServer {
  /** `http://127.0.0.1:<port>` (the router is mounted at the root) */
  baseUrl: string;
  app: express.Express;
  /** The store behind the router (e.g. for archiveCluster). */
  store: TerraformStateStore;
  /** Permission decisions of the next requests (default ALLOW). */
  setPermissionResult(
    result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
  ): void;
  /** Users hold only these permissions (by name) from now on; `undefined` = all. */
  allowOnly(permissionNames: string[] | undefined): void;
  /** Issues a credential for `cluster` as the scaffolder's service principal. */
  issueCredential(
    cluster: string,
  ): Promise<{ username: string; password: string }>;
  stateUrl(cluster: string): string;
  close(): Promise<void>;
}

/** A timeline event as a test route received it. */
export interface ReceivedTimelineEvent {
  cluster: string;
  body: Record<string, unknown>;
  authorization?: string;
}

export async function startStateServer(
  knex: Knex,
  options: {
    keepVersions?: number;
    /** Further `kpaas.terraformState` keys (lockLeaseSeconds, maxBodyMegabytes, ...). */
    terraformState?: JsonObject;
    /** `kpaas.servicePrincipals` (registrars, allow). */
    servicePrincipals?: JsonObject;
    /** The store's clock (default the real one). */
    clock?: () => Date;
    /** The cipher of the documents (default a random key). */
    cipher?: CredentialCipher;
    /**
     * Also serve a recording stand-in of `POST /clusters/:name/timeline` (the real route lives
     * in the kpaas router); `timelineStatus` makes it fail with that status.
     */
    timeline?: { events: ReceivedTimelineEvent[]; failWithStatus?: number };
    /** Also serve `GET /clusters/:name` from this map (the real route lives in the kpaas router). */
    registrations?: Map<string, Record<string, unknown>>;
  } = {},
): Promise<StateServer> {
  let permissionResult: AuthorizeResult.ALLOW | AuthorizeResult.DENY =
    AuthorizeResult.ALLOW;
  let allowed: Set<string> | undefined;
  const decide = (request: { permission: { name: string } }) => ({
    result:
      permissionResult === AuthorizeResult.ALLOW &&
      (!allowed || allowed.has(request.permission.name))
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
  });
  const permissions = {
    authorize: async (requests: Array<{ permission: { name: string } }>) =>
      requests.map(decide),
    authorizeConditional: async (
      requests: Array<{ permission: { name: string } }>,
    ) => requests.map(decide),
  } as unknown as PermissionsService;
  const app = express();
  const timeline = options.timeline;
  if (timeline) {
    app.post('/clusters/:name/timeline', express.json(), (req, res) => {
      if (timeline.failWithStatus) {
        res
          .status(timeline.failWithStatus)
          .json({ error: { message: 'down' } });
        return;
      }
      timeline.events.push({
        cluster: req.params.name,
        body: req.body,
        authorization: req.headers.authorization,
      });
      res.status(201).json({ id: timeline.events.length });
    });
  }
  const registrations = options.registrations;
  if (registrations) {
    app.get('/clusters/:name', (req, res) => {
      const found = registrations.get(req.params.name);
      if (found) res.json(found);
      else
        res.status(404).json({
          error: { name: 'NotFoundError', message: 'no such cluster' },
        });
    });
  }
  const config = new ConfigReader({
    kpaas: {
      terraformState: {
        keepVersions: options.keepVersions ?? 10,
        ...options.terraformState,
      },
      ...(options.servicePrincipals
        ? { servicePrincipals: options.servicePrincipals }
        : {}),
    },
  });
  const logger = mockServices.logger.mock();
  const store = await createTerraformStateStore({
    database: mockServices.database({ knex }),
    cipher: options.cipher ?? new CredentialCipher(crypto.randomBytes(32)),
    logger,
    config,
    clock: options.clock,
  });
  app.use(
    await createStateRouter({
      store,
      // Like production: a request without a Backstage token has no credentials.
      httpAuth: mockServices.httpAuth({
        pluginId: 'kpaas',
        defaultCredentials: mockCredentials.none(),
      }),
      permissions,
      logger,
      config,
    }),
  );
  app.use(mockErrorHandler());
  const server = http.createServer(app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    app,
    store,
    setPermissionResult(result) {
      permissionResult = result;
    },
    allowOnly(permissionNames) {
      allowed = permissionNames ? new Set(permissionNames) : undefined;
    },
    async issueCredential(cluster) {
      const res = await fetch(
        `${baseUrl}/clusters/${cluster}/terraform/credentials`,
        {
          method: 'POST',
          headers: {
            Authorization: mockCredentials.service.header({
              onBehalfOf: mockCredentials.service('plugin:scaffolder'),
              targetPluginId: 'kpaas',
            }),
            'Content-Type': 'application/json',
          },
          body: '{}',
        },
      );
      if (res.status !== 201)
        throw new Error(`credential: ${res.status} ${await res.text()}`);
      return res.json();
    },
    stateUrl(cluster) {
      return `${baseUrl}/clusters/${cluster}/terraform/state`;
    },
    close() {
      return new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

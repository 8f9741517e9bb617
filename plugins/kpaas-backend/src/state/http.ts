import express from 'express';
import { InputError } from '@backstage/errors';

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The `:name` route parameter, checked as a cluster name. */
export function clusterParam(req: express.Request): string {
  const name = req.params.name;
  if (!CLUSTER_NAME.test(name)) {
    throw new InputError(
      `"${name}" is not a cluster name; use the DNS-1123 name from cluster.yaml metadata.name`,
    );
  }
  return name;
}

/** A positive integer route parameter (a version number). */
export function versionParam(req: express.Request): number {
  const version = Number(req.params.version);
  if (!Number.isInteger(version) || version < 1) {
    throw new InputError(`"${req.params.version}" is not a version number`);
  }
  return version;
}

/** HTTP basic auth of the request, when it has one. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

/** 413 with a message naming the config key (the error handler takes `statusCode`). */
class PayloadTooLargeError extends Error {
  readonly name = 'PayloadTooLargeError';
  readonly statusCode = 413;
}

function runMiddleware(
  middleware: express.RequestHandler,
  req: express.Request,
  res: express.Response,
): Promise<void> {
  return new Promise((resolve, reject) =>
    middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
  );
}

/**
 * Reads the raw request body, at most `limitBytes`. Call it only after the caller is
 * authenticated: until then the body stays unread in the socket (Node discards it unread when
 * the response is an error).
 */
export async function readRawBody(
  req: express.Request,
  res: express.Response,
  limitBytes: number,
): Promise<Buffer> {
  try {
    await runMiddleware(
      express.raw({ type: () => true, limit: limitBytes }),
      req,
      res,
    );
  } catch (e) {
    if ((e as { type?: string }).type === 'entity.too.large') {
      throw new PayloadTooLargeError(
        `The body is larger than ${Math.round(
          limitBytes / 1024 / 1024,
        )} MB, the limit of kpaas.terraformState.maxBodyMegabytes`,
      );
    }
    throw e;
  }
  if (Buffer.isBuffer(req.body)) return req.body;
  // A JSON parser mounted earlier consumed it (the state router should come first).
  if (req.body === undefined || req.body === null) return Buffer.alloc(0);
  if (typeof req.body === 'object' && Object.keys(req.body).length === 0) {
    return Buffer.alloc(0);
  }
  return Buffer.from(JSON.stringify(req.body));
}

/** Reads a small JSON body (admin and credential routes), after authentication. */
export async function readJsonBody(
  req: express.Request,
  res: express.Response,
): Promise<unknown> {
  await runMiddleware(express.json({ limit: '64kb' }), req, res);
  return req.body ?? {};
}

/*
 * A minimal HTTPS client for poking the stand-in directly (status codes,
 * headers, streaming), trusting its CA and sending the admin token by default.
 */
import { request } from 'node:https';

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bearer token; default the stand-in's admin token. `null` sends none. */
  token?: string | null;
  /** Client certificate instead of a token. */
  cert?: { certPem: string; keyPem: string };
  /** Abort after this many ms with an error whose code is `ETIMEDOUT`. */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON, if it is JSON. */
  json?: any;
}

export function rawRequest(
  target: { url: string; caPem: string; adminToken: string },
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const url = new URL(path, target.url);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(options.headers ?? {}),
  };
  const token = options.token === undefined ? target.adminToken : options.token;
  if (token && !options.cert) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        ca: target.caPem,
        cert: options.cert?.certPem,
        key: options.cert?.keyPem,
        agent: false,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json,
          });
        });
        res.on('error', reject);
      },
    );
    if (options.timeoutMs) {
      req.setTimeout(options.timeoutMs, () => {
        const error = Object.assign(
          new Error(`request timed out after ${options.timeoutMs} ms`),
          { code: 'ETIMEDOUT' },
        );
        req.destroy(error);
      });
    }
    req.on('error', reject);
    req.end(options.body);
  });
}

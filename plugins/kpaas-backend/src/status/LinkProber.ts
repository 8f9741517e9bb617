import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { PlatformLinkStatus } from '@internal/plugin-kpaas-common';

/*
 * Probes platform UI links (Grafana, Harbor, …): HTTP status, latency and the days left on the
 * TLS certificate. Only hosts derived from a cluster's spec are probed (the caller passes the
 * allow-list built from derivePlatformLinks); no credentials are sent, nothing is followed.
 */

export type LinkProbe = NonNullable<PlatformLinkStatus['probe']>;

export interface LinkProberOptions {
  timeoutMs?: number;
  /** How long a probe result is reused. */
  ttlMs?: number;
  /**
   * Where to connect for a host (tests point platform hosts at a loopback server); default DNS
   * on the URL's host and port.
   */
  resolveTarget?: (url: URL) => { host: string; port: number } | undefined;
}

export class LinkProber {
  private readonly cache = new Map<
    string,
    { probe: LinkProbe; expires: number }
  >();
  private readonly inflight = new Map<string, Promise<LinkProbe>>();
  private readonly timeoutMs: number;
  private readonly ttlMs: number;

  constructor(private readonly options: LinkProberOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** Probes `url` if its host is in `allowedHosts`; otherwise refuses without a request. */
  async probe(
    url: string,
    allowedHosts: ReadonlySet<string>,
  ): Promise<LinkProbe> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return {
        ok: false,
        error: 'not a URL',
        checkedAt: new Date().toISOString(),
      };
    }
    if (parsed.protocol !== 'https:' || !allowedHosts.has(parsed.hostname)) {
      return {
        ok: false,
        error: `host ${parsed.hostname} is not one of the cluster's platform hosts; not probed`,
        checkedAt: new Date().toISOString(),
      };
    }
    const cached = this.cache.get(url);
    if (cached && cached.expires > Date.now()) return cached.probe;
    let pending = this.inflight.get(url);
    if (!pending) {
      pending = this.run(parsed).finally(() => this.inflight.delete(url));
      this.inflight.set(url, pending);
    }
    const probe = await pending;
    this.cache.set(url, { probe, expires: Date.now() + this.ttlMs });
    return probe;
  }

  private run(url: URL): Promise<LinkProbe> {
    const target = this.options.resolveTarget?.(url) ?? {
      host: url.hostname,
      port: Number(url.port || 443),
    };
    const started = performance.now();
    return new Promise<LinkProbe>(resolve => {
      const done = (probe: Omit<LinkProbe, 'checkedAt' | 'latencyMs'>) =>
        resolve({
          ...probe,
          latencyMs: Math.round(performance.now() - started),
          checkedAt: new Date().toISOString(),
        });
      const req = httpsRequest(
        {
          host: target.host,
          port: target.port,
          servername: url.hostname,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { host: url.host, 'user-agent': 'kpaas-link-probe' },
          // Platform UIs often use the cluster's own CA; the probe reports reachability and
          // expiry, it sends nothing secret, so an untrusted chain is not a reason to fail.
          rejectUnauthorized: false,
          signal: AbortSignal.timeout(this.timeoutMs),
        },
        res => {
          const cert = (res.socket as TLSSocket).getPeerCertificate?.();
          const expires = cert?.valid_to ? Date.parse(cert.valid_to) : NaN;
          res.resume();
          const status = res.statusCode ?? 0;
          done({
            ok: status > 0 && status < 500,
            httpStatus: status,
            ...(Number.isFinite(expires)
              ? {
                  tlsExpiresInDays: Math.floor(
                    (expires - Date.now()) / (24 * 3600 * 1000),
                  ),
                }
              : {}),
          });
        },
      );
      req.on('error', (error: Error & { code?: string }) =>
        done({
          ok: false,
          error:
            error.name === 'AbortError' || error.name === 'TimeoutError'
              ? `timed out after ${this.timeoutMs} ms`
              : error.code ?? error.message,
        }),
      );
      req.end();
    });
  }
}

import type { CacheService } from '@backstage/backend-plugin-api';
import { request as httpsRequest } from 'node:https';
import { rootCertificates, TLSSocket } from 'node:tls';
import type { PlatformLinkStatus } from '@internal/plugin-kpaas-common';
import type { ClusterNetworks } from '../network/ClusterNetworks';
import { REFUSED_CODE } from '../network/ClusterNetworks';

/*
 * Probes platform UI links (Grafana, Harbor, …): HTTP status, latency and the days left on the
 * TLS certificate. A host is probed only when it is derived from the cluster's spec (the caller
 * passes those hosts) AND ends with a domain of `kpaas.refresh.linkProbeDomains` (config, not
 * the spec, decides where kpaas connects); its address must be in kpaas.clusterNetworks. TLS is
 * verified against the cluster's CA and the system CAs; an untrusted certificate is a finding.
 * No credentials are sent, nothing is followed.
 */

/** TLS verification failures, reported as findings rather than network errors. */
const TLS_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** `domain` and every host under it; a leading dot or "*." is ignored. */
function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLocaleLowerCase('en-US')
    .replace(/^\*?\./, '');
}

export type LinkProbe = NonNullable<PlatformLinkStatus['probe']>;

export interface LinkProberOptions {
  /** Where probes may connect (the resolved address). */
  networks: ClusterNetworks;
  /** `kpaas.refresh.linkProbeDomains`: only hosts under these are probed (default none). */
  domains?: string[];
  timeoutMs?: number;
  /** How long a probe result is reused. */
  ttlMs?: number;
  /**
   * Shares probe results between replicas (the plugin's cache service): a link probed by one
   * replica is not probed again by another within `ttlMs`.
   */
  cache?: CacheService;
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
  private readonly domains: string[];

  constructor(private readonly options: LinkProberOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.domains = (options.domains ?? []).map(normalizeDomain);
  }

  private inConfiguredDomain(host: string): boolean {
    const h = host.toLocaleLowerCase('en-US');
    return this.domains.some(d => h === d || h.endsWith(`.${d}`));
  }

  /**
   * Probes `url` if its host is in `allowedHosts` (derived from the spec) and under a configured
   * domain; otherwise refuses without a request. `caPem` is the cluster's CA, trusted in
   * addition to the system CAs.
   */
  async probe(
    url: string,
    allowedHosts: ReadonlySet<string>,
    caPem?: string,
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
    if (!this.inConfiguredDomain(parsed.hostname)) {
      return {
        ok: false,
        error: `host ${parsed.hostname} is not under kpaas.refresh.linkProbeDomains; not probed`,
        checkedAt: new Date().toISOString(),
      };
    }
    const cached = this.cache.get(url);
    if (cached && cached.expires > Date.now()) return cached.probe;
    let pending = this.inflight.get(url);
    if (!pending) {
      pending = this.sharedOrRun(parsed, url, caPem).finally(() =>
        this.inflight.delete(url),
      );
      this.inflight.set(url, pending);
    }
    return pending;
  }

  private async sharedOrRun(
    parsed: URL,
    url: string,
    caPem?: string,
  ): Promise<LinkProbe> {
    const shared = this.options.cache;
    const key = `link-probe:${url}`;
    const stored = await shared?.get<LinkProbe>(key).catch(() => undefined);
    if (stored && typeof stored === 'object') {
      const age = Date.now() - Date.parse(stored.checkedAt);
      if (age >= 0 && age < this.ttlMs) {
        this.cache.set(url, {
          probe: stored,
          expires: Date.now() + this.ttlMs - age,
        });
        return stored;
      }
    }
    const probe = await this.run(parsed, caPem);
    this.cache.set(url, { probe, expires: Date.now() + this.ttlMs });
    await shared?.set(key, probe, { ttl: this.ttlMs }).catch(() => undefined);
    return probe;
  }

  private run(url: URL, caPem?: string): Promise<LinkProbe> {
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
      try {
        this.options.networks.assertLiteralAllowed(target.host);
      } catch (error) {
        done({ ok: false, error: (error as Error).message });
        return;
      }
      const req = httpsRequest(
        {
          host: target.host,
          port: target.port,
          servername: url.hostname,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { host: url.host, 'user-agent': 'kpaas-link-probe' },
          rejectUnauthorized: true,
          ca: caPem ? [...rootCertificates, caPem] : undefined,
          lookup: this.options.networks.lookup,
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
      req.on('error', (error: Error & { code?: string }) => {
        if (error.code && TLS_ERRORS.has(error.code)) {
          done({
            ok: false,
            error: `TLS certificate not trusted (${error.code}): the certificate does not verify against the cluster CA or the system CAs`,
          });
          return;
        }
        const timedOut =
          error.name === 'AbortError' || error.name === 'TimeoutError';
        let message = error.code ?? error.message;
        if (timedOut) message = `timed out after ${this.timeoutMs} ms`;
        // Refused by kpaas.clusterNetworks: the message names the address and the key.
        if (error.code === REFUSED_CODE) message = error.message;
        done({ ok: false, error: message });
      });
      req.end();
    });
  }
}

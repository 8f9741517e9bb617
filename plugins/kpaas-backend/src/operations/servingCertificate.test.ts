import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { expiryItem } from '@internal/plugin-kpaas-common';
import { clusterSpec } from '../__testUtils__/rig';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { collectClusterStatus } from '../status/collectStatus';
import { KubeClusterClient } from '../status/KubeClusterClient';
import { LinkProber } from '../status/LinkProber';
import { readServingCertificate } from './servingCertificate';

const loopback = new ClusterNetworks(['127.0.0.0/8']);

/** A self-signed serving certificate for 127.0.0.1 valid for `days` from now (real openssl). */
function servingCertificate(days: number): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        String(days),
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An API server endpoint that presents `cert`: terminates TLS and forwards the bytes to the
 * Kubernetes API stand-in over its own TLS (the stand-in's CA trusted), as a load balancer
 * in front of kube-apiserver would with a renewed certificate.
 */
async function frontWith(
  cert: { key: string; cert: string },
  upstream?: KubeApiStandIn,
) {
  const server = tls.createServer(cert, client => {
    if (!upstream) {
      client.end();
      return;
    }
    const target = new URL(upstream.url);
    const up = tls.connect({
      host: target.hostname,
      port: Number(target.port),
      ca: upstream.caPem,
      servername: target.hostname === '127.0.0.1' ? undefined : target.hostname,
    });
    client.pipe(up).pipe(client);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('readServingCertificate', () => {
  it('reads a serving certificate with 20 days left: a warning', async () => {
    const cert = servingCertificate(20);
    const front = await frontWith(cert);
    try {
      const read = await readServingCertificate({
        server: front.url,
        caPem: cert.cert,
      });
      expect(read.verified).toBe(true);
      expect(read.subject).toBe('kube-apiserver');
      const item = expiryItem(
        'kube-apiserver serving certificate',
        'tls-handshake',
        read.notAfter,
        new Date(),
      );
      expect(item).toMatchObject({
        state: 'warning',
        daysLeft: 19,
        source: 'tls-handshake',
      });
    } finally {
      await front.close();
    }
  });

  it('says when the certificate does not chain to the registered CA', async () => {
    const front = await frontWith(servingCertificate(20));
    try {
      const read = await readServingCertificate({
        server: front.url,
        caPem: servingCertificate(300).cert,
      });
      expect(read.verified).toBe(false);
      expect(read.verifyError).toBeTruthy();
    } finally {
      await front.close();
    }
  });

  it('keeps to the cluster networks rule', async () => {
    const front = await frontWith(servingCertificate(20));
    try {
      const client = new KubeClusterClient(
        { name: 'c', apiServerUrl: front.url, token: 't' },
        {
          requestTimeoutMs: 5000,
          networks: new ClusterNetworks(['10.0.0.0/8']),
        },
      );
      await expect(client.servingCertificate()).rejects.toThrow(
        /not connecting to 127.0.0.1/,
      );
    } finally {
      await front.close();
    }
  });
});

describe('the cluster status with the serving certificate', () => {
  let standIn: KubeApiStandIn;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
  });
  afterEach(() => standIn.close());

  async function statusBehind(days: number) {
    const cert = servingCertificate(days);
    const front = await frontWith(cert, standIn);
    try {
      const cluster = {
        name: 'demo',
        apiServerUrl: front.url,
        source: 'config',
        spec: {
          ...clusterSpec('demo'),
          spec: { ...clusterSpec('demo').spec, addons: [] },
        },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      } as unknown as ClusterRecord;
      const client = new KubeClusterClient(
        {
          name: 'demo',
          apiServerUrl: front.url,
          caData: cert.cert,
          token: standIn.adminToken,
        },
        { requestTimeoutMs: 10000, networks: loopback },
      );
      return await collectClusterStatus({
        client,
        cluster,
        prober: new LinkProber({ networks: loopback }),
      });
    } finally {
      await front.close();
    }
  }

  it('20 days left: listed as a warning, the cluster stays Healthy', async () => {
    const status = await statusBehind(20);
    expect(status.expiries).toEqual([
      expect.objectContaining({
        name: 'kube-apiserver serving certificate',
        source: 'tls-handshake',
        state: 'warning',
        daysLeft: 19,
      }),
    ]);
    expect(status.reason ?? '').not.toContain('serving certificate');
  });

  it('5 days left: critical, the cluster turns Degraded with that reason', async () => {
    const status = await statusBehind(5);
    expect(status.expiries?.[0]).toMatchObject({
      state: 'critical',
      daysLeft: 4,
    });
    expect(status.state).toBe('Degraded');
    expect(status.reason).toMatch(
      /kube-apiserver serving certificate expires in 4 days \(\d{4}-\d\d-\d\d\)/,
    );
  });
});

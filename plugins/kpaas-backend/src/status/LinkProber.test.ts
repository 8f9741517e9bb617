import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { ClusterNetworks } from '../network/ClusterNetworks';
import { LinkProber } from './LinkProber';

/*
 * The stand-in's serving certificate names "localhost" and is signed by its own CA: a platform
 * host "localhost" with that CA verifies, without it (system CAs only) it does not.
 */
describe('LinkProber', () => {
  let standIn: KubeApiStandIn;
  const loopback = new ClusterNetworks(['127.0.0.0/8']);

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({ fixture: kpaasHaFixture() });
  });
  afterAll(() => standIn.close());

  const prober = (
    options: Partial<ConstructorParameters<typeof LinkProber>[0]> = {},
  ) =>
    new LinkProber({
      networks: loopback,
      domains: ['localhost'],
      timeoutMs: 5000,
      resolveTarget: () => ({ host: '127.0.0.1', port: standIn.port }),
      ...options,
    });
  const url = () => `https://localhost:${standIn.port}/version`;
  const hosts = new Set(['localhost']);

  it('verifies TLS against the cluster CA and reports status and expiry', async () => {
    const probe = await prober().probe(url(), hosts, standIn.caPem);
    expect(probe).toMatchObject({ ok: true, httpStatus: 200 });
    expect(probe.tlsExpiresInDays).toBeGreaterThan(300);
  });

  it('reports a certificate that does not verify as a finding', async () => {
    const probe = await prober().probe(url(), hosts);
    expect(probe.ok).toBe(false);
    expect(probe.error).toMatch(
      /^TLS certificate not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
    );
  });

  it('probes only hosts under kpaas.refresh.linkProbeDomains (none by default)', async () => {
    standIn.requestLog.clear();
    const probe = await prober({ domains: undefined }).probe(
      url(),
      hosts,
      standIn.caPem,
    );
    expect(probe).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /host localhost is not under kpaas\.refresh\.linkProbeDomains; not probed/,
      ),
    });
    const other = await prober({ domains: ['example.org'] }).probe(
      url(),
      hosts,
    );
    expect(other.error).toMatch(/not under kpaas\.refresh\.linkProbeDomains/);
    expect(standIn.requestLog.count()).toBe(0);
  });

  it('does not connect outside kpaas.clusterNetworks', async () => {
    standIn.requestLog.clear();
    const viaLiteral = await prober({ networks: new ClusterNetworks() }).probe(
      url(),
      hosts,
      standIn.caPem,
    );
    expect(viaLiteral.error).toMatch(
      /127\.0\.0\.1 is outside kpaas\.clusterNetworks/,
    );
    const viaDns = await prober({
      networks: new ClusterNetworks(),
      resolveTarget: undefined,
    }).probe(url(), hosts, standIn.caPem);
    expect(viaDns.error).toMatch(/outside kpaas\.clusterNetworks/);
    expect(standIn.requestLog.count()).toBe(0);
  });
});

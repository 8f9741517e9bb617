import {
  expiryItem,
  expiryProblems,
  expiryState,
  parseKubeadmCheckExpiration,
  sortExpiries,
} from './expiry';

const now = new Date('2026-12-03T12:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * 86400_000);

describe('expiry thresholds', () => {
  it('warns under 30 days, critical under 7, expired at 0', () => {
    expect(expiryState(inDays(45), now)).toEqual({ state: 'ok', daysLeft: 45 });
    expect(expiryState(inDays(30), now).state).toBe('ok');
    expect(expiryState(inDays(29.5), now)).toEqual({
      state: 'warning',
      daysLeft: 29,
    });
    expect(expiryState(inDays(20), now).state).toBe('warning');
    expect(expiryState(inDays(7), now).state).toBe('warning');
    expect(expiryState(inDays(6.9), now).state).toBe('critical');
    expect(expiryState(inDays(5), now).state).toBe('critical');
    expect(expiryState(inDays(-1), now)).toEqual({
      state: 'expired',
      daysLeft: -1,
    });
  });

  it('sorts soonest first and names the critical ones as Degraded reasons', () => {
    const items = [
      expiryItem('apiserver', 'kubeadm-collector', inDays(200), now),
      expiryItem('monitoring/grafana-tls', 'cert-manager', inDays(5), now),
      expiryItem(
        'kube-apiserver serving certificate',
        'tls-handshake',
        inDays(20),
        now,
      ),
      expiryItem('front-proxy-ca (CA)', 'kubeadm-collector', inDays(-2), now),
    ];
    expect(sortExpiries(items).map(i => i.name)).toEqual([
      'front-proxy-ca (CA)',
      'monitoring/grafana-tls',
      'kube-apiserver serving certificate',
      'apiserver',
    ]);
    expect(expiryProblems(items)).toEqual([
      'front-proxy-ca (CA) expired on 2026-12-01',
      'monitoring/grafana-tls expires in 5 days (2026-12-08)',
    ]);
  });
});

describe('parseKubeadmCheckExpiration', () => {
  it('reads certificates and CAs from kubeadm -o json', () => {
    const output = JSON.stringify({
      kind: 'CertificateExpirationInfo',
      apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
      certificates: [
        {
          name: 'admin.conf',
          expirationDate: inDays(360).toISOString(),
          residualTime: 1,
          externallyManaged: false,
        },
        { name: 'apiserver', expirationDate: inDays(6).toISOString() },
      ],
      certificateAuthorities: [
        { name: 'ca', expirationDate: inDays(3600).toISOString() },
      ],
    });
    const items = parseKubeadmCheckExpiration(output, now);
    expect(items.map(i => [i.name, i.state, i.source])).toEqual([
      ['admin.conf', 'ok', 'kubeadm-collector'],
      ['apiserver', 'critical', 'kubeadm-collector'],
      ['ca (CA)', 'ok', 'kubeadm-collector'],
    ]);
    expect(items[1].action).toContain('kubeadm certs renew all');
  });

  it('says how to fix output that is not JSON', () => {
    expect(() =>
      parseKubeadmCheckExpiration('CERTIFICATE  EXPIRES', now),
    ).toThrow(/-o json/);
  });
});

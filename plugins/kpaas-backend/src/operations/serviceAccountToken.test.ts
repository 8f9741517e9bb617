import { serviceAccountTokenExpiry } from './serviceAccountToken';

const jwt = (claims: object) =>
  [
    Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString(
      'base64url',
    ),
    Buffer.from(JSON.stringify(claims)).toString('base64url'),
    'c2lnbmF0dXJl',
  ].join('.');

describe('serviceAccountTokenExpiry', () => {
  it('reads exp of a bound token without verifying it', () => {
    expect(
      serviceAccountTokenExpiry(
        jwt({
          iss: 'https://kubernetes.default.svc.cluster.local',
          sub: 'system:serviceaccount:kube-system:kpaas-reader',
          exp: 1_800_000_000,
        }),
      ),
    ).toEqual(new Date(1_800_000_000_000));
  });

  it('a legacy Secret token has no exp: it does not expire', () => {
    expect(
      serviceAccountTokenExpiry(
        jwt({
          iss: 'kubernetes/serviceaccount',
          'kubernetes.io/serviceaccount/service-account.name': 'kpaas-reader',
        }),
      ),
    ).toBeUndefined();
  });

  it('an opaque token or a broken payload is not a date', () => {
    expect(serviceAccountTokenExpiry('a3f9c1d2e4b5')).toBeUndefined();
    expect(serviceAccountTokenExpiry('a.%%%.c')).toBeUndefined();
    expect(serviceAccountTokenExpiry(jwt({ exp: 'soon' }))).toBeUndefined();
  });
});

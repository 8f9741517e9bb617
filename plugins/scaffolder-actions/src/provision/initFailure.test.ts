import { classifyInitFailure } from './initFailure';

/*
 * The real terraform produces each failure in actions/provision.test.ts; these cover the
 * variants a test machine cannot produce without a network (DNS failure of the public
 * registry) and what must not be taken for a provider installation failure.
 */
describe('classifyInitFailure', () => {
  it('the public registry not resolvable (no DNS on an air-gapped host): unreachable, configure a mirror', () => {
    const failure = classifyInitFailure(
      `Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider
kakaoenterprise/kakaocloud: could not connect to registry.terraform.io:
failed to request discovery document: Get
"https://registry.terraform.io/.well-known/terraform.json": dial tcp: lookup
registry.terraform.io on 127.0.0.53:53: no such host`,
      {},
    );
    expect(failure).toMatchObject({
      kind: 'registry-unreachable',
      rerunHelps: true,
    });
    expect(failure!.message).toContain(
      'terraform init could not install kakaoenterprise/kakaocloud: the provider registry (registry.terraform.io) is unreachable',
    );
    expect(failure!.message).toContain(
      'kpaas.terraform.providerMirror.filesystem',
    );
  });

  it('a network mirror that is down names the mirror, not the registry', () => {
    const failure = classifyInitFailure(
      `Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider
hashicorp/null: failed to query mirror: dial tcp 10.0.0.5:443: connect:
connection refused`,
      { providerMirror: { kind: 'network', url: 'https://mirror.example/' } },
    );
    expect(failure?.message).toContain(
      'the network mirror https://mirror.example/ (kpaas.terraform.providerMirror.network) is unreachable',
    );
  });

  it('leaves other init failures alone (a state backend refusing its credential, a syntax error)', () => {
    expect(
      classifyInitFailure(
        `Error: Error refreshing state: HTTP remote state endpoint requires auth (401 Unauthorized)`,
        {},
      ),
    ).toBeUndefined();
    expect(
      classifyInitFailure(
        `Error: Unsupported block type

  on main.tf line 3: connection refused is not a block`,
        {},
      ),
    ).toBeUndefined();
  });
});

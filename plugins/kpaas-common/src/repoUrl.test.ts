import { normalizeRepoUrl, sameRepo } from './repoUrl';

describe('normalizeRepoUrl', () => {
  it.each([
    [
      'github.com?owner=Acme&repo=Demo-Cluster',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://github.com/acme/demo-cluster',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://github.com/acme/demo-cluster.git',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://github.com/acme/demo-cluster/',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://token:x@github.com/acme/demo-cluster?x=1#y',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://github.com/acme/demo-cluster/tree/main/clusters/demo',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'https://github.com/acme/demo-cluster/blob/main/catalog-info.yaml',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'git@github.com:acme/demo-cluster.git',
      'https://github.com/acme/demo-cluster',
    ],
    [
      'ssh://git@git.k-paas.test:2222/acme/demo.git',
      'https://git.k-paas.test/acme/demo',
    ],
    [
      'https://git.k-paas.test:443/acme/demo',
      'https://git.k-paas.test/acme/demo',
    ],
    [
      'https://git.k-paas.test:3000/acme/demo/src/branch/main/',
      'https://git.k-paas.test:3000/acme/demo',
    ],
    [
      'git.k-paas.test?owner=acme&repo=demo',
      'https://git.k-paas.test/acme/demo',
    ],
    [
      'gitlab.com?owner=group/sub&repo=demo',
      'https://gitlab.com/group/sub/demo',
    ],
    [
      'https://gitlab.com/group/sub/demo/-/tree/main',
      'https://gitlab.com/group/sub/demo',
    ],
    [
      'dev.azure.com?organization=o&project=p&repo=r',
      'https://dev.azure.com/o/p/_git/r',
    ],
    ['bitbucket.org?workspace=w&project=p&repo=r', 'https://bitbucket.org/w/r'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRepoUrl(input)).toBe(expected);
  });

  it.each([
    ['', 'is not a repository URL'],
    ['demo-cluster', 'is not a repository URL'],
    ['file:///etc/passwd', 'is not a repository URL'],
    ['github.com?owner=acme', 'is not a repository URL'],
    ['https://github.com/acme', 'names no repository'],
    ['https://github.com/acme/../other', 'names no repository'],
  ])('%j is refused with the field named', (input, message) => {
    expect(() => normalizeRepoUrl(input, 'repoUrl')).toThrow(
      `repoUrl "${input}" ${message}`,
    );
  });

  it('tells repos apart that a prefix check would confuse', () => {
    expect(
      sameRepo(
        'github.com?owner=acme&repo=demo',
        'https://github.com/acme/demo.git',
      ),
    ).toBe(true);
    expect(
      sameRepo(
        'https://github.com/acme/demo',
        'https://github.com/acme/demo-x',
      ),
    ).toBe(false);
    expect(
      sameRepo(
        'https://github.com/acme/demo',
        'https://github.com.evil.test/acme/demo',
      ),
    ).toBe(false);
    expect(
      sameRepo(
        'https://github.com/acme/demo',
        'https://github.com/mallory/demo',
      ),
    ).toBe(false);
  });
});

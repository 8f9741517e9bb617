import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createScmFileUrlFilter } from './scmFileUrl';
import { createScmTypeFilter } from './scmType';

/** GitHub (always there), an on-premises Gitea over http, a GitLab and a Bitbucket Server. */
const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      gitea: [
        {
          host: '127.0.0.1:3300',
          baseUrl: 'http://127.0.0.1:3300/',
          username: 'kpaas',
          password: 'not-used',
        },
      ],
      gitlab: [
        {
          host: 'gitlab.corp.example',
          apiBaseUrl: 'https://gitlab.corp.example/api/v4',
          token: 'not-used',
        },
      ],
      bitbucketServer: [{ host: 'bitbucket.corp.example', token: 'x' }],
    },
  }),
);

describe('scmType template filter', () => {
  const { filter, id } = createScmTypeFilter(integrations);

  it('is called scmType', () => {
    expect(id).toBe('scmType');
  });

  it.each([
    ['github.com?owner=platform-team&repo=clusters', 'github'],
    ['127.0.0.1:3300?owner=platform&repo=lab-cluster', 'gitea'],
    ['gitlab.corp.example?owner=infra&repo=lab', 'gitlab'],
  ])('%s → %j', (repoUrl, type) => {
    expect(filter(repoUrl)).toBe(type);
  });

  it('names a host that has no integration', () => {
    expect(() => filter('git.unknown.example?owner=a&repo=b')).toThrow(
      /No matching integration configuration for host git\.unknown\.example/,
    );
  });

  it('rejects a value that is not a RepoUrlPicker URL', () => {
    expect(() => filter('not a repo url')).toThrow();
  });
});

describe('scmFileUrl template filter', () => {
  const { filter } = createScmFileUrlFilter(integrations);

  it.each([
    [
      'github.com?owner=acme&repo=lab',
      'main',
      '.',
      'https://github.com/acme/lab/tree/main',
    ],
    [
      'github.com?owner=acme&repo=lab',
      'main',
      'catalog-info.yaml',
      'https://github.com/acme/lab/tree/main/catalog-info.yaml',
    ],
    [
      'github.com?owner=acme&repo=clusters',
      'main',
      './clusters/lab/',
      'https://github.com/acme/clusters/tree/main/clusters/lab',
    ],
    [
      '127.0.0.1:3300?owner=platform&repo=lab',
      'main',
      '.',
      'http://127.0.0.1:3300/platform/lab/src/branch/main',
    ],
    [
      '127.0.0.1:3300?owner=platform&repo=lab',
      'release/1',
      'catalog-info.yaml',
      'http://127.0.0.1:3300/platform/lab/src/branch/release/1/catalog-info.yaml',
    ],
    [
      'gitlab.corp.example?owner=infra&repo=lab',
      'main',
      'docs',
      'https://gitlab.corp.example/infra/lab/-/tree/main/docs',
    ],
  ])('%s %s %s', (repoUrl, branch, path, url) => {
    expect(filter(repoUrl, branch, path)).toBe(url);
  });

  it('names an unsupported host type', () => {
    expect(() =>
      filter('bitbucket.corp.example?project=P&repo=lab', 'main', '.'),
    ).toThrow(
      /bitbucketServer hosts \(bitbucket\.corp\.example\) are not supported/,
    );
  });
});

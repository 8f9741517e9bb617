/*
 * Compatibility of the Gitea stand-in with the REAL Backstage callers:
 * publish:gitea (@backstage/plugin-scaffolder-backend-module-gitea),
 * GiteaUrlReader (@backstage/backend-defaults/urlReader), the catalog's
 * UrlReaderProcessor, fetch:plain, and the git CLI.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  GiteaUrlReader,
  UrlReaders,
} from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { UrlReaderProcessor } from '@backstage/plugin-catalog-backend';
import {
  CatalogProcessorResult,
  parseEntityYaml,
} from '@backstage/plugin-catalog-node';
import { createFetchPlainAction } from '@backstage/plugin-scaffolder-backend';
import { createPublishGiteaAction } from '@backstage/plugin-scaffolder-backend-module-gitea';
import { initRepoAndPush } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { isolatedGitEnv, runGit } from './gitCli';
import { GiteaStandIn, startGiteaStandIn } from './giteaStandIn';

const USER = 'kpaas-bot';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const ORG = 'acme';

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-service
  description: Published by publish:gitea to the stand-in
spec:
  type: service
  lifecycle: experimental
  owner: team-a
`;
const WORKSPACE: Record<string, string> = {
  'catalog-info.yaml': CATALOG_INFO,
  'README.md': '# orders-service\n',
  'skeleton/app/main.py': 'print("hello")\n',
  'skeleton/values.yaml': 'replicas: 2\n',
};

let gitea: GiteaStandIn;
let tmp: string;
let gitEnv: NodeJS.ProcessEnv;
let published: { outputs: Record<string, unknown> } | undefined;

async function writeTree(dir: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function readTreeFromDisk(
  dir: string,
  skip: string[] = ['.git'],
): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (skip.some(s => path === s || path.startsWith(`${s}/`))) continue;
    result[path] = await readFile(join(dir, path), 'utf8');
  }
  return result;
}

function backstageConfig(password = PASSWORD) {
  return new ConfigReader({
    integrations: { gitea: [{ ...gitea.integrationConfig(), password }] },
    scaffolder: {
      defaultAuthor: { name: 'Scaffolder Bot', email: 'bot@kpaas.test' },
    },
  });
}

async function runPublish(options: {
  repo: string;
  owner?: string;
  password?: string;
  files?: Record<string, string>;
  repoVisibility?: 'private' | 'public';
}) {
  const config = backstageConfig(options.password);
  const action = createPublishGiteaAction({
    integrations: ScmIntegrations.fromConfig(config),
    config,
  });
  const workspacePath = await mkdtemp(join(tmp, 'ws-'));
  await writeTree(workspacePath, options.files ?? WORKSPACE);
  const outputs: Record<string, unknown> = {};
  const ctx = createMockActionContext({
    input: {
      repoUrl: `${gitea.host}?owner=${options.owner ?? ORG}&repo=${
        options.repo
      }`,
      description: `The ${options.repo} repository`,
      ...(options.repoVisibility
        ? { repoVisibility: options.repoVisibility }
        : {}),
    },
    workspacePath,
  });
  ctx.output = (name: string, value: unknown) => {
    outputs[name] = value;
  };
  await action.handler(ctx as Parameters<typeof action.handler>[0]);
  return { outputs, workspacePath };
}

function requestsSince(index: number) {
  return gitea.requests().slice(index);
}

beforeAll(async () => {
  gitea = await startGiteaStandIn({
    username: USER,
    password: PASSWORD,
    orgs: [ORG, 'platform'],
  });
  tmp = await mkdtemp(join(tmpdir(), 'gitea-stand-in-test-'));
  await mkdir(join(tmp, 'home'));
  gitEnv = {
    ...isolatedGitEnv(join(tmp, 'home')),
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@kpaas.test',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@kpaas.test',
  };
  published = await runPublish({ repo: 'orders-service' });
});

afterAll(async () => {
  await gitea?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('publish:gitea (real action) against the stand-in', () => {
  it('creates the repository, pushes the workspace and reports the outputs', async () => {
    const { outputs } = published!;
    expect(outputs.remoteUrl).toBe(`${gitea.url}/${ORG}/orders-service.git`);
    expect(outputs.repoContentsUrl).toBe(
      `${gitea.url}/${ORG}/orders-service/src/branch/main/`,
    );
    const log = await gitea.gitLog(ORG, 'orders-service');
    expect(log).toHaveLength(1);
    expect(outputs.commitHash).toBe(log[0].sha);
    expect(log[0].author).toMatchObject({
      name: 'Scaffolder Bot',
      email: 'bot@kpaas.test',
    });
    expect(log[0].message).toMatch(
      /^initial commit\n\nChange-Id: I[0-9a-f]{40}/,
    );
    expect(await gitea.files(ORG, 'orders-service')).toEqual(WORKSPACE);
    expect(
      existsSync(join(gitea.bareRepoPath(ORG, 'orders-service'), 'HEAD')),
    ).toBe(true);

    const repo = await fetch(
      `${gitea.url}/api/v1/repos/${ORG}/orders-service`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString(
            'base64',
          )}`,
        },
      },
    );
    expect(repo.status).toBe(200);
    expect(await repo.json()).toMatchObject({
      name: 'orders-service',
      full_name: `${ORG}/orders-service`,
      description: 'The orders-service repository',
      private: false,
      empty: false,
      default_branch: 'main',
      clone_url: `${gitea.url}/${ORG}/orders-service.git`,
    });
  });

  it('saw the Gitea API calls and an authenticated push, as Backstage sends them', () => {
    const seen = gitea
      .requests()
      .slice(0, 6)
      .map(
        r =>
          `${r.method} ${r.path}${r.query ? `?${r.query}` : ''} ${r.status} ${
            r.credentials
          }`,
      );
    expect(seen).toEqual([
      `GET /api/v1/orgs/${ORG} 200 valid`,
      `POST /api/v1/orgs/${ORG}/repos 201 valid`,
      // isomorphic-git asks anonymously first and sends credentials after the 401
      `GET /${ORG}/orders-service.git/info/refs?service=git-receive-pack 401 none`,
      `GET /${ORG}/orders-service.git/info/refs?service=git-receive-pack 200 valid`,
      `POST /${ORG}/orders-service.git/git-receive-pack 200 valid`,
      // the availability poll carries no credentials
      `GET /${ORG}/orders-service/src/branch/main 200 none`,
    ]);
    expect(gitea.requests().filter(r => r.error)).toEqual([]);
  });

  it('isomorphic-git (initRepoAndPush) with a wrong password gets 401 and no push', async () => {
    const dir = await mkdtemp(join(tmp, 'wrong-push-'));
    await writeTree(dir, { 'x.txt': 'x\n' });
    const before = gitea.requests().length;
    await expect(
      initRepoAndPush({
        dir,
        remoteUrl: `${gitea.url}/${ORG}/orders-service.git`,
        auth: { username: USER, password: 'wrong' },
        logger: mockServices.logger.mock(),
        defaultBranch: 'main',
      }),
    ).rejects.toThrow(/401/);
    expect(
      requestsSince(before).map(
        r => `${r.method} ${r.status} ${r.credentials}`,
      ),
    ).toEqual(['GET 401 none', 'GET 401 invalid']);
    expect(await gitea.gitLog(ORG, 'orders-service')).toHaveLength(1);
  });

  it('the git CLI clones the same files', async () => {
    const dir = join(tmp, 'clone');
    const clone = await runGit(
      ['clone', '--quiet', `${gitea.url}/${ORG}/orders-service.git`, dir],
      { env: gitEnv },
    );
    expect(clone.stderr).toBe('');
    expect(clone.code).toBe(0);
    expect(await readTreeFromDisk(dir)).toEqual(WORKSPACE);
    const head = await runGit(['rev-parse', 'HEAD'], { cwd: dir, env: gitEnv });
    expect(head.stdout.toString().trim()).toBe(published!.outputs.commitHash);
  });

  it('fails on a wrong password (401) before creating anything', async () => {
    const before = gitea.requests().length;
    await expect(
      runPublish({ repo: 'never-created', password: 'wrong' }),
    ).rejects.toThrow(`Organization ${ORG} do not exist`);
    expect(requestsSince(before)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/api/v1/orgs/${ORG}`,
        status: 401,
        credentials: 'invalid',
        authenticated: false,
      }),
    ]);
    expect(existsSync(gitea.bareRepoPath(ORG, 'never-created'))).toBe(false);
  });

  it('fails with the 409 message when the repository exists', async () => {
    const before = gitea.requests().length;
    await expect(runPublish({ repo: 'orders-service' })).rejects.toThrow(
      /Unable to create repository, 409 Conflict, .*The repository with the same name already exists/,
    );
    expect(requestsSince(before).map(r => [r.method, r.status])).toEqual([
      ['GET', 200],
      ['POST', 409],
    ]);
    expect(await gitea.gitLog(ORG, 'orders-service')).toHaveLength(1);
  });

  it('fails for an unknown org (404)', async () => {
    const before = gitea.requests().length;
    await expect(
      runPublish({ repo: 'svc', owner: 'no-such-org' }),
    ).rejects.toThrow(
      'Organization no-such-org do not exist. Please create it first !',
    );
    expect(
      requestsSince(before).map(r => `${r.method} ${r.path} ${r.status}`),
    ).toEqual(['GET /api/v1/orgs/no-such-org 404']);
  });
});

describe('GiteaUrlReader and the catalog (real code) against the stand-in', () => {
  const base = () => `${gitea.url}/${ORG}/orders-service/src/branch/main`;
  const giteaOnlyReader = () =>
    UrlReaders.create({
      config: backstageConfig(),
      logger: mockServices.logger.mock(),
      factories: [GiteaUrlReader.factory],
    });

  it('readUrl reads catalog-info.yaml through the contents API, authenticated', async () => {
    const before = gitea.requests().length;
    const response = await giteaOnlyReader().readUrl(
      `${base()}/catalog-info.yaml`,
    );
    expect((await response.buffer()).toString('utf8')).toBe(CATALOG_INFO);
    expect(requestsSince(before)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/api/v1/repos/${ORG}/orders-service/contents/catalog-info.yaml`,
        query: 'ref=main',
        status: 200,
        authenticated: true,
      }),
    ]);
  });

  it('readUrl of a missing file is a NotFoundError', async () => {
    await expect(
      giteaOnlyReader().readUrl(`${base()}/nope.yaml`),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('readTree reads the whole tree and a sub-directory through archive + latest commit', async () => {
    const reader = giteaOnlyReader();
    const before = gitea.requests().length;
    const whole = await reader.readTree(`${base()}/`);
    expect(whole.etag).toBe(published!.outputs.commitHash);
    const files: Record<string, string> = {};
    for (const file of await whole.files()) {
      files[file.path] = (await file.content()).toString('utf8');
    }
    expect(files).toEqual(WORKSPACE);
    expect(
      requestsSince(before).map(
        r => `${r.method} ${r.path} ${r.status} ${r.credentials}`,
      ),
    ).toEqual([
      `GET /api/v1/repos/${ORG}/orders-service/git/commits/main 200 valid`,
      `GET /api/v1/repos/${ORG}/orders-service/archive/main.tar.gz 200 valid`,
    ]);

    const sub = await reader.readTree(`${base()}/skeleton`);
    const dir = await sub.dir({
      targetDir: await mkdtemp(join(tmp, 'readtree-')),
    });
    expect(await readTreeFromDisk(dir)).toEqual({
      'app/main.py': WORKSPACE['skeleton/app/main.py'],
      'values.yaml': WORKSPACE['skeleton/values.yaml'],
    });

    await expect(
      reader.readTree(`${base()}/`, { etag: whole.etag }),
    ).rejects.toMatchObject({ name: 'NotModifiedError' });
  });

  it('the catalog UrlReaderProcessor (default URL readers) emits the entity', async () => {
    const processor = new UrlReaderProcessor({
      reader: UrlReaders.default({
        config: backstageConfig(),
        logger: mockServices.logger.mock(),
      }),
      logger: mockServices.logger.mock(),
    });
    const emitted: CatalogProcessorResult[] = [];
    const cacheData = new Map<string, unknown>();
    const target = `${base()}/catalog-info.yaml`;
    await processor.readLocation(
      { type: 'url', target },
      false,
      result => emitted.push(result),
      async function* parser({ data, location }) {
        yield* parseEntityYaml(data, location);
      },
      {
        get: async <T>(key: string) => cacheData.get(key) as T | undefined,
        set: async (key: string, value: unknown) => {
          cacheData.set(key, value);
        },
      } as Parameters<UrlReaderProcessor['readLocation']>[4],
    );
    expect(emitted.filter(r => r.type === 'error')).toEqual([]);
    expect(emitted).toContainEqual(
      expect.objectContaining({
        type: 'entity',
        location: { type: 'url', target },
        entity: expect.objectContaining({
          kind: 'Component',
          metadata: expect.objectContaining({ name: 'orders-service' }),
        }),
      }),
    );
  });

  it('fetch:plain (real action) copies a src/branch/main/<dir> URL into the workspace', async () => {
    const config = backstageConfig();
    const action = createFetchPlainAction({
      reader: UrlReaders.default({
        config,
        logger: mockServices.logger.mock(),
      }),
      integrations: ScmIntegrations.fromConfig(config),
    });
    const workspacePath = await mkdtemp(join(tmp, 'fetch-'));
    const ctx = createMockActionContext({
      input: { url: `${base()}/skeleton`, targetPath: 'out' },
      workspacePath,
    });
    await action.handler(ctx as Parameters<typeof action.handler>[0]);
    expect(await readTreeFromDisk(join(workspacePath, 'out'))).toEqual({
      'app/main.py': WORKSPACE['skeleton/app/main.py'],
      'values.yaml': WORKSPACE['skeleton/values.yaml'],
    });
  });
});

describe('HTTP and git details', () => {
  const basic = (password = PASSWORD) =>
    `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;

  it('answers 401 with a Basic challenge to anonymous API calls and 404 for unknown things', async () => {
    const anonymous = await fetch(`${gitea.url}/api/v1/orgs/${ORG}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Basic realm="Gitea"',
    );

    const headers = {
      Authorization: basic(),
      'Content-Type': 'application/json',
    };
    const createInUnknownOrg = await fetch(
      `${gitea.url}/api/v1/orgs/nope/repos`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'x', description: '', private: false }),
      },
    );
    expect(createInUnknownOrg.status).toBe(404);
    expect(
      (await fetch(`${gitea.url}/api/v1/repos/${ORG}/nope`, { headers }))
        .status,
    ).toBe(404);
    expect(
      (
        await fetch(
          `${gitea.url}/api/v1/repos/${ORG}/orders-service/contents/README.md?ref=nope`,
          { headers },
        )
      ).status,
    ).toBe(404);
    expect(
      (await fetch(`${gitea.url}/${ORG}/orders-service/src/branch/nope`))
        .status,
    ).toBe(404);
    expect(
      (
        await fetch(
          `${gitea.url}/${ORG}/orders-service/src/branch/main/skeleton`,
        )
      ).status,
    ).toBe(200);
  });

  it('serves Gitea contents JSON for files and directories', async () => {
    const headers = { Authorization: basic() };
    const file = await fetch(
      `${
        gitea.url
      }/api/v1/repos/${ORG}/orders-service/contents/skeleton/values.yaml?ref=${
        published!.outputs.commitHash
      }`,
      { headers },
    );
    expect(file.status).toBe(200);
    expect(await file.json()).toMatchObject({
      name: 'values.yaml',
      path: 'skeleton/values.yaml',
      type: 'file',
      encoding: 'base64',
      content: Buffer.from('replicas: 2\n').toString('base64'),
      size: 12,
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      last_commit_sha: published!.outputs.commitHash,
    });
    const dir = await fetch(
      `${gitea.url}/api/v1/repos/${ORG}/orders-service/contents/skeleton`,
      { headers },
    );
    expect(
      (await dir.json()).map(
        (e: { path: string; type: string }) => `${e.type} ${e.path}`,
      ),
    ).toEqual(['dir skeleton/app', 'file skeleton/values.yaml']);
  });

  it('accepts a git CLI push (chunked, >1 MiB) with credentials only', async () => {
    const dir = join(tmp, 'clone');
    await writeFile(join(dir, 'big.bin'), randomBytes(1536 * 1024));
    await writeFile(
      join(dir, 'README.md'),
      '# orders-service\n\nsecret: hunter2-in-history\n',
    );
    expect((await runGit(['add', '-A'], { cwd: dir, env: gitEnv })).code).toBe(
      0,
    );
    expect(
      (await runGit(['commit', '-qm', 'big'], { cwd: dir, env: gitEnv })).code,
    ).toBe(0);
    await writeFile(join(dir, 'README.md'), '# orders-service\n');
    expect(
      (await runGit(['commit', '-qam', 'scrub'], { cwd: dir, env: gitEnv }))
        .code,
    ).toBe(0);
    for (let i = 0; i < 30; i++) {
      const tag = await runGit(['tag', '-a', `v0.${i}`, '-m', `release ${i}`], {
        cwd: dir,
        env: gitEnv,
      });
      expect(tag.code).toBe(0);
    }

    const anonymous = await runGit(['push', '--quiet', 'origin', 'main'], {
      cwd: dir,
      env: gitEnv,
    });
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(
      /Authentication failed|could not read Username|401/,
    );

    const authedUrl = `http://${USER}:${PASSWORD}@${gitea.host}/${ORG}/orders-service.git`;
    const pushStart = gitea.requests().length;
    const push = await runGit(
      ['push', '--quiet', '--follow-tags', authedUrl, 'main'],
      { cwd: dir, env: gitEnv },
    );
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    expect(
      requestsSince(pushStart).map(r => `${r.method} ${r.path} ${r.status}`),
    ).toContain(`POST /${ORG}/orders-service.git/git-receive-pack 200`);
    expect(await gitea.gitLog(ORG, 'orders-service')).toHaveLength(3);
    expect((await gitea.files(ORG, 'orders-service'))['README.md']).toBe(
      '# orders-service\n',
    );
    // the secret is gone from the tip but not from history
    expect(await gitea.allCommittedText(ORG, 'orders-service')).toContain(
      'hunter2-in-history',
    );
    expect(gitea.requests().filter(r => r.error)).toEqual([]);
  });

  it('serves a git CLI clone whose fetch request is gzipped (protocol v2, many wants)', async () => {
    const before = gitea.requests().length;
    const dir = join(tmp, 'clone-tags');
    const clone = await runGit(
      ['clone', '--quiet', `${gitea.url}/${ORG}/orders-service.git`, dir],
      { env: gitEnv },
    );
    expect(clone.stderr).toBe('');
    expect(clone.code).toBe(0);
    expect(requestsSince(before)).toContainEqual(
      expect.objectContaining({
        path: `/${ORG}/orders-service.git/git-upload-pack`,
        contentEncoding: 'gzip',
        status: 200,
      }),
    );
    const tags = await runGit(['tag', '--list'], { cwd: dir, env: gitEnv });
    expect(tags.stdout.toString().trim().split('\n')).toHaveLength(30);
    expect((await readFile(join(dir, 'big.bin'))).length).toBe(1536 * 1024);
  });

  it('decodes gzip request bodies for git-upload-pack (protocol v0, hand-made)', async () => {
    const [tip] = await gitea.gitLog(ORG, 'orders-service', 'main');
    const pkt = (line: string) =>
      `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const body = gzipSync(
      Buffer.from(`${pkt(`want ${tip.sha} ofs-delta\n`)}0000${pkt('done\n')}`),
    );
    const response = await fetch(
      `${gitea.url}/${ORG}/orders-service.git/git-upload-pack`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-git-upload-pack-request',
          'Content-Encoding': 'gzip',
        },
        body,
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/x-git-upload-pack-result',
    );
    const data = Buffer.from(await response.arrayBuffer());
    expect(data.subarray(0, 8).toString()).toBe('0008NAK\n');
    expect(data.includes(Buffer.from('PACK'))).toBe(true);
  });

  it('hides private repositories from anonymous clients', async () => {
    const headers = {
      Authorization: basic(),
      'Content-Type': 'application/json',
    };
    const created = await fetch(`${gitea.url}/api/v1/orgs/platform/repos`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Private-One',
        description: 'p',
        private: true,
      }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      private: true,
      empty: true,
      default_branch: 'main',
    });
    const again = await fetch(`${gitea.url}/api/v1/orgs/platform/repos`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'private-one' }),
    });
    expect(again.status).toBe(409); // names are case-insensitive, as in Gitea

    const dir = join(tmp, 'private');
    await writeTree(dir, { 'a.txt': 'a\n' });
    for (const args of [
      ['init', '-q', '-b', 'trunk'],
      ['add', '-A'],
      ['commit', '-qm', 'one'],
    ]) {
      expect((await runGit(args, { cwd: dir, env: gitEnv })).code).toBe(0);
    }
    const authedUrl = `http://${USER}:${PASSWORD}@${gitea.host}/platform/Private-One.git`;
    const push = await runGit(['push', '--quiet', authedUrl, 'trunk'], {
      cwd: dir,
      env: gitEnv,
    });
    expect(push.stderr).toBe('');
    // the first pushed branch became the default branch
    const repo = await fetch(`${gitea.url}/api/v1/repos/platform/private-one`, {
      headers,
    });
    expect(await repo.json()).toMatchObject({
      default_branch: 'trunk',
      empty: false,
    });

    const anonymousClone = await runGit(
      [
        'clone',
        '--quiet',
        `${gitea.url}/platform/private-one.git`,
        join(tmp, 'private-anon'),
      ],
      { env: gitEnv },
    );
    expect(anonymousClone.code).not.toBe(0);
    const authedClone = await runGit(
      ['clone', '--quiet', authedUrl, join(tmp, 'private-authed')],
      { env: gitEnv },
    );
    expect(authedClone.code).toBe(0);
    expect(await readTreeFromDisk(join(tmp, 'private-authed'))).toEqual({
      'a.txt': 'a\n',
    });

    // Like Gitea, anonymous web requests do not see private repositories. Note that
    // publish:gitea polls this URL WITHOUT credentials, so with repoVisibility
    // 'private' it waits its full 20 s before reporting success.
    expect(
      (await fetch(`${gitea.url}/platform/private-one/src/branch/trunk`))
        .status,
    ).toBe(404);
    expect(
      (
        await fetch(`${gitea.url}/platform/private-one/src/branch/trunk`, {
          headers: { Authorization: basic() },
        })
      ).status,
    ).toBe(200);
  });
});

describe('lifecycle', () => {
  it('close() stops the server and removes the repositories; only loopback hosts', async () => {
    await expect(
      startGiteaStandIn({
        host: '0.0.0.0',
        username: 'u',
        password: 'p',
        orgs: [],
      }),
    ).rejects.toThrow(/loopback/);
    const other = await startGiteaStandIn({
      username: 'u',
      password: 'p',
      orgs: ['o'],
    });
    const created = await fetch(`${other.url}/api/v1/orgs/o/repos`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      },
      body: JSON.stringify({ name: 'r' }),
    });
    expect(created.status).toBe(201);
    const repoPath = other.bareRepoPath('o', 'r');
    expect(existsSync(join(repoPath, 'HEAD'))).toBe(true);
    await other.close();
    await other.close(); // idempotent
    expect(existsSync(dirname(dirname(dirname(repoPath))))).toBe(false);
    await expect(fetch(`${other.url}/api/v1/orgs/o`)).rejects.toThrow();
  });
});

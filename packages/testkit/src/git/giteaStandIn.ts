/*
 * Gitea stand-in: an HTTP server on a loopback address that Backstage's real
 * Gitea integration accepts as a Gitea instance. Tests and the local demo
 * only; never imported by production code.
 *
 * It is a real git server: bare repositories on disk, git's smart HTTP
 * protocol served by the real `git-http-backend` (see ./cgi.ts), plus the
 * handful of Gitea API v1 endpoints that `publish:gitea`
 * (@backstage/plugin-scaffolder-backend-module-gitea) and `GiteaUrlReader`
 * (@backstage/backend-defaults/urlReader) call.
 */
import { ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGitHttpBackend } from './cgi';
import {
  catFileBatch,
  findGitHttpBackend,
  git,
  isolatedGitEnv,
  runGit,
} from './gitCli';

export interface GiteaStandInOptions {
  /** Loopback address to listen on (127.0.0.0/8 only). Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** The one user; basic auth with these credentials (or `token <password>`) is accepted. */
  username: string;
  password: string;
  /** Organizations that exist (`GET /api/v1/orgs/{org}` → 200); repositories can only be created in them. */
  orgs: string[];
}

/** One entry of `integrations.gitea` in Backstage's app-config. */
export interface GiteaIntegrationConfig {
  /** `127.0.0.1:<port>` */
  host: string;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  username: string;
  password: string;
}

export type GiteaRequestKind = 'api' | 'git' | 'web' | 'other';

export interface GiteaRequestLogEntry {
  method: string;
  /** Path as sent, still percent-encoded, without the query. */
  path: string;
  /** Query string without `?` ('' if none). */
  query: string;
  /** Status sent (0 if no response was sent, e.g. the client went away). */
  status: number;
  /** Valid credentials were presented. */
  authenticated: boolean;
  /** `none`: no Authorization header; `invalid`: wrong user/password or scheme. */
  credentials: 'none' | 'valid' | 'invalid';
  kind: GiteaRequestKind;
  /** The request's Content-Encoding, if any (git sends gzip for larger fetch requests). */
  contentEncoding?: string;
  /** Server-side trouble (git-http-backend stderr, handler exceptions). */
  error?: string;
}

export interface GitSignature {
  name: string;
  email: string;
  /** Strict ISO 8601 (`%aI`/`%cI`). */
  date: string;
}

export interface GitCommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: GitSignature;
  committer: GitSignature;
  /** Raw message (`%B`). */
  message: string;
}

export interface GiteaStandIn {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** `127.0.0.1:<port>`: the integration's `host`, and the host of `repoUrl`s. */
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** `{ host, baseUrl, username, password }` for `integrations.gitea[]`. */
  integrationConfig(): GiteaIntegrationConfig;
  /** Where the bare repository of `owner/repo` lives (whether or not it exists). */
  bareRepoPath(owner: string, repo: string): string;
  /** Commits, newest first: reachable from `ref` (branch, tag or sha), or from every ref if omitted. [] for an empty repository. */
  gitLog(owner: string, repo: string, ref?: string): Promise<GitCommitInfo[]>;
  /** Every file (path → UTF-8 text) at `ref` (default: the default branch). */
  files(
    owner: string,
    repo: string,
    ref?: string,
  ): Promise<Record<string, string>>;
  /**
   * Every blob, commit and tag object stored in the repository (reachable or
   * not), as text: for secret scans of everything that was ever pushed.
   */
  allCommittedText(owner: string, repo: string): Promise<string>;
  /** Every request served so far, oldest first (copies). */
  requests(): GiteaRequestLogEntry[];
  /** Stops the server, kills running git processes and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

interface RepoRecord {
  id: number;
  /** Owner as configured (org name). */
  owner: string;
  ownerId: number;
  /** Name as created (case preserved). */
  name: string;
  description: string;
  private: boolean;
  createdAt: string;
  updatedAt: string;
  gitDir: string;
}

interface OrgRecord {
  id: number;
  name: string;
}

interface ResolvedRef {
  sha: string;
  /** What Gitea puts in web URLs: src/branch/…, src/tag/…, src/commit/… */
  kind: 'branch' | 'tag' | 'commit';
}

type Credentials = GiteaRequestLogEntry['credentials'];

const NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;
// Branch/tag names and shas as they appear in API paths; excludes revision
// syntax (`..`, `@{`, `~`, `^`, `:`) and option-like names.
const REF_RE = /^(?!-)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/+@-]{1,255}$/;
const GIT_PATH_SEGMENTS = new Set([
  'info',
  'git-upload-pack',
  'git-receive-pack',
  'HEAD',
  'objects',
]);
const COMMIT_FORMAT =
  '%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e';
const MAX_JSON_BODY = 1024 * 1024;

/** Throws unless `host` is an IPv4 loopback address. */
function assertLoopbackHost(host: string): void {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m || m.slice(1).some(part => Number(part) > 255)) {
    throw new Error(
      `The Gitea stand-in only listens on IPv4 loopback addresses (127.x.y.z); refusing ${JSON.stringify(
        host,
      )}`,
    );
  }
}

function isValidName(name: string): boolean {
  return NAME_RE.test(name) && name !== '.' && name !== '..';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function parseCommits(out: string): GitCommitInfo[] {
  return out
    .split('\x1e')
    .map(record => record.replace(/^\n/, ''))
    .filter(record => record.length > 0)
    .map(record => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, ...message] =
        record.split('\x00');
      return {
        sha,
        tree,
        parents: parents ? parents.split(' ') : [],
        author: { name: an, email: ae, date: ad },
        committer: { name: cn, email: ce, date: cd },
        message: message.join('\x00'),
      };
    });
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=utf-8',
    'Content-Length': data.length,
  });
  res.end(data);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(text);
  res.writeHead(status, {
    'Content-Type': 'text/plain;charset=utf-8',
    'Content-Length': data.length,
    ...headers,
  });
  res.end(data);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startGiteaStandIn(
  options: GiteaStandInOptions,
): Promise<GiteaStandIn> {
  const bindHost = options.host ?? '127.0.0.1';
  assertLoopbackHost(bindHost);
  const { username, password } = options;
  if (!username || !password) {
    throw new Error('The Gitea stand-in needs a username and a password');
  }
  const orgs = new Map<string, OrgRecord>();
  options.orgs.forEach((name, index) => {
    if (!isValidName(name)) throw new Error(`Invalid org name ${name}`);
    orgs.set(name.toLowerCase(), { id: 1000 + index, name });
  });

  const tempDir = await mkdtemp(join(tmpdir(), 'kpaas-gitea-stand-in-'));
  const reposRoot = join(tempDir, 'repositories');
  const home = join(tempDir, 'home');
  await mkdir(reposRoot);
  await mkdir(home);
  const env = isolatedGitEnv(home);
  let backend: string;
  try {
    backend = await findGitHttpBackend(env);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }

  const repos = new Map<string, RepoRecord>();
  const log: Array<{ entry: GiteaRequestLogEntry; res: ServerResponse }> = [];
  const children = new Set<ChildProcess>();
  let nextRepoId = 1;
  let port = 0;
  let baseUrl = '';

  const userDigest = digest(`${username}\x00${password}`);
  const tokenDigest = digest(password);

  const checkCredentials = (header: string | undefined): Credentials => {
    if (!header) return 'none';
    const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
    if (!m) return 'invalid';
    const scheme = m[1].toLowerCase(); // Backstage sends `basic …` (lower case)
    if (scheme === 'basic') {
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return 'invalid';
      const given = digest(
        `${decoded.slice(0, colon)}\x00${decoded.slice(colon + 1)}`,
      );
      return timingSafeEqual(given, userDigest) ? 'valid' : 'invalid';
    }
    if (scheme === 'token' || scheme === 'bearer') {
      return timingSafeEqual(digest(m[2]), tokenDigest) ? 'valid' : 'invalid';
    }
    return 'invalid';
  };

  const repoKey = (owner: string, repo: string) =>
    `${owner.toLowerCase()}/${repo.toLowerCase()}`;
  const repoDir = (owner: string, repo: string) => {
    if (!isValidName(owner) || !isValidName(repo)) {
      throw new Error(`Invalid repository name ${owner}/${repo}`);
    }
    return join(reposRoot, owner.toLowerCase(), `${repo.toLowerCase()}.git`);
  };
  const findRepo = (owner: string, repo: string) =>
    isValidName(owner) && isValidName(repo)
      ? repos.get(repoKey(owner, repo))
      : undefined;
  const requireRepo = (owner: string, repo: string): RepoRecord => {
    const record = findRepo(owner, repo);
    if (!record) throw new Error(`No repository ${owner}/${repo}`);
    return record;
  };

  const gitIn = (record: RepoRecord, args: string[]) =>
    git(['--git-dir', record.gitDir, ...args], { env });
  const tryGitIn = (record: RepoRecord, args: string[]) =>
    runGit(['--git-dir', record.gitDir, ...args], { env });

  const defaultBranch = async (record: RepoRecord): Promise<string> => {
    const head = (await readFile(join(record.gitDir, 'HEAD'), 'utf8')).trim();
    return head.startsWith('ref: refs/heads/')
      ? head.slice('ref: refs/heads/'.length)
      : 'main';
  };
  const branches = async (record: RepoRecord): Promise<string[]> =>
    (
      await gitIn(record, [
        'for-each-ref',
        '--format=%(refname:lstrip=2)',
        'refs/heads',
      ])
    )
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
  const verifyCommit = async (
    record: RepoRecord,
    rev: string,
  ): Promise<string | undefined> => {
    const r = await tryGitIn(record, [
      'rev-parse',
      '--verify',
      '--quiet',
      `${rev}^{commit}`,
    ]);
    return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
  };
  /** Gitea's order: branch, tag, then commit sha. */
  const resolveRef = async (
    record: RepoRecord,
    ref: string,
  ): Promise<ResolvedRef | undefined> => {
    if (!REF_RE.test(ref)) return undefined;
    let sha = await verifyCommit(record, `refs/heads/${ref}`);
    if (sha) return { sha, kind: 'branch' };
    sha = await verifyCommit(record, `refs/tags/${ref}`);
    if (sha) return { sha, kind: 'tag' };
    if (/^[0-9a-f]{4,64}$/i.test(ref)) {
      sha = await verifyCommit(record, ref);
      if (sha) return { sha, kind: 'commit' };
    }
    return undefined;
  };

  // ---- JSON shapes (Gitea API v1, the fields clients commonly read) ----

  const apiUrl = (record: RepoRecord) =>
    `${baseUrl}/api/v1/repos/${record.owner}/${record.name}`;
  const htmlUrl = (record: RepoRecord) =>
    `${baseUrl}/${record.owner}/${record.name}`;
  const message = (text: string) => ({
    message: text,
    url: `${baseUrl}/api/swagger`,
  });

  /** The resolved ref, or undefined after answering Gitea's 404 for an unknown ref. */
  const resolveRefOr404 = async (
    record: RepoRecord,
    ref: string,
    res: ServerResponse,
  ): Promise<ResolvedRef | undefined> => {
    const resolved = ref ? await resolveRef(record, ref) : undefined;
    if (!resolved) {
      sendJson(
        res,
        404,
        message(`object does not exist [id: ${ref}, rel_path: ]`),
      );
    }
    return resolved;
  };
  const orgJson = (org: OrgRecord) => ({
    id: org.id,
    name: org.name,
    username: org.name,
    full_name: '',
    email: '',
    avatar_url: `${baseUrl}/avatars/${org.id}`,
    description: '',
    website: '',
    location: '',
    visibility: 'public',
    repo_admin_change_team_access: false,
  });
  const repoJson = async (record: RepoRecord) => {
    const branchList = await branches(record);
    return {
      id: record.id,
      owner: {
        id: record.ownerId,
        login: record.owner,
        username: record.owner,
        full_name: '',
        email: '',
        avatar_url: `${baseUrl}/avatars/${record.ownerId}`,
      },
      name: record.name,
      full_name: `${record.owner}/${record.name}`,
      description: record.description,
      empty: branchList.length === 0,
      private: record.private,
      fork: false,
      template: false,
      mirror: false,
      archived: false,
      size: 0,
      html_url: htmlUrl(record),
      url: apiUrl(record),
      clone_url: `${htmlUrl(record)}.git`,
      ssh_url: `git@${bindHost}:${record.owner}/${record.name}.git`,
      original_url: '',
      website: '',
      default_branch: await defaultBranch(record),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      permissions: { admin: true, push: true, pull: true },
    };
  };
  const commitJson = (record: RepoRecord, c: GitCommitInfo) => ({
    url: `${apiUrl(record)}/git/commits/${c.sha}`,
    sha: c.sha,
    created: c.committer.date,
    html_url: `${htmlUrl(record)}/commit/${c.sha}`,
    commit: {
      url: `${apiUrl(record)}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: {
        url: `${apiUrl(record)}/git/trees/${c.tree}`,
        sha: c.tree,
        created: c.committer.date,
      },
      verification: {
        verified: false,
        reason: 'gpg.error.not_signed_commit',
        signature: '',
        signer: null,
        payload: '',
      },
    },
    author: null,
    committer: null,
    parents: c.parents.map(sha => ({
      url: `${apiUrl(record)}/git/commits/${sha}`,
      sha,
    })),
  });

  interface TreeEntry {
    mode: string;
    type: string;
    oid: string;
    size: number;
    path: string;
  }
  const parseLsTree = (out: Buffer, prefix: string): TreeEntry[] =>
    out
      .toString('utf8')
      .split('\x00')
      .filter(Boolean)
      .map(line => {
        const tab = line.indexOf('\t');
        const [mode, type, oid, size] = line.slice(0, tab).split(/\s+/);
        const name = line.slice(tab + 1);
        return {
          mode,
          type,
          oid,
          size: size === '-' ? 0 : Number(size),
          path: prefix ? `${prefix}/${name}` : name,
        };
      });
  const contentsType = (entry: TreeEntry) => {
    if (entry.mode === '120000') return 'symlink';
    if (entry.type === 'tree') return 'dir';
    if (entry.type === 'commit') return 'submodule';
    return 'file';
  };
  const contentsJson = async (
    record: RepoRecord,
    ref: string,
    resolved: ResolvedRef,
    entry: TreeEntry,
    content?: Buffer,
  ) => {
    const type = contentsType(entry);
    const lastCommit = (
      await gitIn(record, [
        'log',
        '-1',
        '--format=%H',
        resolved.sha,
        '--',
        entry.path,
      ])
    )
      .toString('utf8')
      .trim();
    const self = `${apiUrl(record)}/contents/${encodePath(
      entry.path,
    )}?ref=${encodeURIComponent(ref)}`;
    const gitUrl = `${apiUrl(record)}/git/${
      type === 'dir' ? 'trees' : 'blobs'
    }/${entry.oid}`;
    const html = `${htmlUrl(record)}/src/${resolved.kind}/${ref}/${encodePath(
      entry.path,
    )}`;
    const isBlob = entry.type === 'blob';
    return {
      name: entry.path.split('/').pop(),
      path: entry.path,
      sha: entry.oid,
      last_commit_sha: lastCommit,
      type,
      size: entry.size,
      encoding: isBlob && content ? 'base64' : null,
      content: isBlob && content ? content.toString('base64') : null,
      target: type === 'symlink' && content ? content.toString('utf8') : null,
      url: self,
      html_url: html,
      git_url: gitUrl,
      download_url: isBlob
        ? `${htmlUrl(record)}/raw/${resolved.kind}/${ref}/${encodePath(
            entry.path,
          )}`
        : null,
      submodule_git_url: null,
      _links: { self, git: gitUrl, html },
    };
  };

  // ---- handlers ----

  const unauthorized = (res: ServerResponse, json: boolean) => {
    const headers = { 'WWW-Authenticate': 'Basic realm="Gitea"' };
    if (json) {
      const data = Buffer.from(
        JSON.stringify(message('user does not exist or wrong password')),
      );
      res.writeHead(401, {
        ...headers,
        'Content-Type': 'application/json;charset=utf-8',
        'Content-Length': data.length,
      });
      res.end(data);
    } else {
      sendText(res, 401, 'Unauthorized\n', headers);
    }
  };

  const createRepo = async (
    org: OrgRecord,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch (error) {
      sendJson(res, 422, message(`invalid JSON body: ${String(error)}`));
      return;
    }
    const input = (body ?? {}) as {
      name?: unknown;
      description?: unknown;
      private?: unknown;
    };
    if (typeof input.name !== 'string' || !isValidName(input.name)) {
      sendJson(
        res,
        422,
        message(
          '[Name]: name must be valid alpha or numeric or dash(-_) or dot characters',
        ),
      );
      return;
    }
    const key = repoKey(org.name, input.name);
    if (repos.has(key)) {
      sendJson(
        res,
        409,
        message('The repository with the same name already exists.'),
      );
      return;
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const record: RepoRecord = {
      id: nextRepoId++,
      owner: org.name,
      ownerId: org.id,
      name: input.name,
      description:
        typeof input.description === 'string' ? input.description : '',
      private: input.private === true,
      createdAt: now,
      updatedAt: now,
      gitDir: repoDir(org.name, input.name),
    };
    repos.set(key, record); // before any await: concurrent creates get 409
    try {
      await mkdir(join(reposRoot, org.name.toLowerCase()), {
        recursive: true,
      });
      await git(
        [
          'init',
          '--bare',
          '--quiet',
          '--template=',
          '--initial-branch=main',
          record.gitDir,
        ],
        { env },
      );
    } catch (error) {
      repos.delete(key);
      throw error;
    }
    sendJson(res, 201, await repoJson(record));
  };

  const getContents = async (
    record: RepoRecord,
    pathSegments: string[],
    url: URL,
    res: ServerResponse,
  ) => {
    const ref = url.searchParams.get('ref') || (await defaultBranch(record));
    const resolved = await resolveRefOr404(record, ref, res);
    if (!resolved) return;
    const segments = pathSegments.filter(Boolean);
    if (segments.some(s => s === '.' || s === '..')) {
      sendJson(res, 404, message('object does not exist'));
      return;
    }
    const path = segments.join('/');
    let entry: TreeEntry | undefined;
    if (path) {
      [entry] = parseLsTree(
        await gitIn(record, [
          'ls-tree',
          '-z',
          '--long',
          resolved.sha,
          '--',
          path,
        ]),
        '',
      ).filter(e => e.path === path);
      if (!entry) {
        sendJson(
          res,
          404,
          message(
            `object does not exist [id: ${resolved.sha}, rel_path: ${path}]`,
          ),
        );
        return;
      }
    }
    if (!entry || entry.type === 'tree') {
      const listing = parseLsTree(
        await gitIn(record, [
          'ls-tree',
          '-z',
          '--long',
          path ? `${resolved.sha}:${path}` : `${resolved.sha}^{tree}`,
        ]),
        path,
      );
      sendJson(
        res,
        200,
        await Promise.all(
          listing.map(e => contentsJson(record, ref, resolved, e)),
        ),
      );
      return;
    }
    const blob = (await catFileBatch(record.gitDir, [entry.oid], env)).get(
      entry.oid,
    );
    sendJson(
      res,
      200,
      await contentsJson(record, ref, resolved, entry, blob?.content),
    );
  };

  const getArchive = async (
    record: RepoRecord,
    file: string,
    res: ServerResponse,
  ) => {
    const m = /^(.+)\.(tar\.gz|zip)$/.exec(file);
    const resolved = m ? await resolveRef(record, m[1]) : undefined;
    if (!m || !resolved) {
      sendJson(res, 404, message(`archive not found: ${file}`));
      return;
    }
    // Gitea's archives have one top-level folder named after the repository
    // (`git archive --prefix=<repo>/`); GiteaUrlReader strips it.
    const data = await gitIn(record, [
      'archive',
      `--format=${m[2]}`,
      `--prefix=${record.name}/`,
      resolved.sha,
    ]);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': data.length,
      'Content-Disposition': `attachment; filename="${
        record.name
      }-${m[1].replace(/\//g, '-')}.${m[2]}"`,
    });
    res.end(data);
  };

  const getCommit = async (
    record: RepoRecord,
    ref: string,
    res: ServerResponse,
  ) => {
    const resolved = await resolveRefOr404(record, ref, res);
    if (!resolved) return;
    const [commit] = parseCommits(
      (
        await gitIn(record, [
          'log',
          '-1',
          `--format=${COMMIT_FORMAT}`,
          resolved.sha,
        ])
      ).toString('utf8'),
    );
    sendJson(res, 200, commitJson(record, commit));
  };

  const handleApi = async (
    segments: string[],
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    credentials: Credentials,
  ) => {
    if (credentials !== 'valid') return unauthorized(res, true);
    const method = req.method ?? 'GET';
    const [collection, a, b, sub, ...rest] = segments;
    const notAllowed = () => sendJson(res, 405, message('Method Not Allowed'));

    if (collection === 'orgs' && a && segments.length === 2) {
      const org = orgs.get(a.toLowerCase());
      if (method !== 'GET') return notAllowed();
      if (!org)
        return sendJson(res, 404, message(`org does not exist [name: ${a}]`));
      return sendJson(res, 200, orgJson(org));
    }
    if (collection === 'orgs' && a && b === 'repos' && segments.length === 3) {
      const org = orgs.get(a.toLowerCase());
      if (!org) {
        return sendJson(res, 404, message(`org does not exist [name: ${a}]`));
      }
      if (method === 'POST') return createRepo(org, req, res);
      if (method === 'GET') {
        const list = [...repos.values()].filter(r => r.owner === org.name);
        return sendJson(res, 200, await Promise.all(list.map(repoJson)));
      }
      return notAllowed();
    }
    if (collection === 'repos' && a && b) {
      const record = findRepo(a, b);
      if (!record) {
        return sendJson(res, 404, message("The target couldn't be found."));
      }
      if (method !== 'GET') return notAllowed();
      if (sub === undefined) return sendJson(res, 200, await repoJson(record));
      if (sub === 'contents') return getContents(record, rest, url, res);
      if (sub === 'archive' && rest.length > 0) {
        return getArchive(record, rest.join('/'), res);
      }
      if (sub === 'git' && rest[0] === 'commits' && rest.length > 1) {
        return getCommit(record, rest.slice(1).join('/'), res);
      }
    }
    return sendJson(res, 404, message('Not Found'));
  };

  const visible = (record: RepoRecord, credentials: Credentials) =>
    !record.private || credentials === 'valid';

  /** `/{owner}/{repo}/src/branch/{branch}[/{path}]`: 200 if branch (and path) exist. */
  const handleWeb = async (
    record: RepoRecord,
    rest: string[],
    res: ServerResponse,
  ) => {
    const parts = rest.filter(Boolean);
    if (parts.length === 0) {
      sendText(res, 200, `${record.owner}/${record.name}\n`);
      return;
    }
    if (rest[0] === 'src' && rest[1] === 'branch' && parts.length > 2) {
      const tail = parts.slice(2);
      // Branch names may contain slashes: the longest existing branch wins.
      for (let n = tail.length; n >= 1; n--) {
        const branch = tail.slice(0, n).join('/');
        if (!REF_RE.test(branch)) continue;
        const sha = await verifyCommit(record, `refs/heads/${branch}`);
        if (!sha) continue;
        const path = tail.slice(n).join('/');
        if (path) {
          const r = await tryGitIn(record, [
            'cat-file',
            '-e',
            `${sha}:${path}`,
          ]);
          if (r.code !== 0) break;
        }
        sendText(res, 200, `${record.owner}/${record.name} @ ${branch}\n`);
        return;
      }
    }
    sendText(res, 404, 'Not Found\n');
  };

  /** Like Gitea: if the default branch does not exist after a push, the first pushed branch becomes the default. */
  const afterPush = async (record: RepoRecord) => {
    record.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const list = await branches(record);
    if (list.length > 0 && !list.includes(await defaultBranch(record))) {
      await gitIn(record, ['symbolic-ref', 'HEAD', `refs/heads/${list[0]}`]);
    }
  };

  const handleGit = async (
    record: RepoRecord,
    rest: string[],
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    credentials: Credentials,
    entry: GiteaRequestLogEntry,
  ) => {
    if (
      rest.length === 0 ||
      rest.some(s => s === '' || s === '.' || s === '..')
    ) {
      sendText(res, 404, 'Not Found\n');
      return;
    }
    const sub = rest.join('/');
    const receive =
      sub === 'git-receive-pack' ||
      (sub === 'info/refs' &&
        url.searchParams.get('service') === 'git-receive-pack');
    if (
      credentials === 'invalid' ||
      ((receive || record.private) && credentials !== 'valid')
    ) {
      unauthorized(res, false);
      return;
    }
    const isPush = sub === 'git-receive-pack' && req.method === 'POST';
    const result = await runGitHttpBackend({
      backend,
      env,
      projectRoot: reposRoot,
      pathInfo: `/${record.owner.toLowerCase()}/${record.name.toLowerCase()}.git/${sub}`,
      queryString: url.search.replace(/^\?/, ''),
      remoteUser: credentials === 'valid' ? username : undefined,
      req,
      res,
      children,
      beforeEnd: isPush ? () => afterPush(record) : undefined,
    });
    if (result.error) entry.error = result.error;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const credentials = checkCredentials(req.headers.authorization);
    const entry: GiteaRequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      status: 0,
      authenticated: credentials === 'valid',
      credentials,
      kind: 'other',
    };
    if (req.headers['content-encoding']) {
      entry.contentEncoding = req.headers['content-encoding'];
    }
    log.push({ entry, res });
    let segments: string[];
    try {
      segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      sendText(res, 400, 'Bad Request\n');
      return;
    }
    if (segments[0] === 'api' && segments[1] === 'v1') {
      entry.kind = 'api';
      await handleApi(segments.slice(2), url, req, res, credentials);
      return;
    }
    const [owner, repoSegment, ...rest] = segments;
    if (owner && repoSegment) {
      const isGit =
        repoSegment.endsWith('.git') || GIT_PATH_SEGMENTS.has(rest[0] ?? '');
      const repoName = repoSegment.replace(/\.git$/, '');
      const record = findRepo(owner, repoName);
      entry.kind = isGit ? 'git' : 'web';
      if (record && credentials === 'invalid') {
        unauthorized(res, false);
        return;
      }
      if (record && visible(record, credentials)) {
        if (isGit) {
          await handleGit(record, rest, url, req, res, credentials, entry);
        } else {
          await handleWeb(record, rest, res);
        }
        return;
      }
      if (record && isGit) {
        unauthorized(res, false); // private repo, anonymous git client: ask for credentials
        return;
      }
    }
    sendText(res, 404, 'Not Found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(error => {
      const text = error instanceof Error ? error.message : String(error);
      const item = log.find(l => l.res === res);
      if (item) item.entry.error = text;
      if (!res.headersSent) sendJson(res, 500, message(text));
      else res.destroy();
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  const host = `${bindHost}:${port}`;
  baseUrl = `http://${host}`;

  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    host,
    port,
    username,
    password,
    integrationConfig: () => ({ host, baseUrl, username, password }),
    bareRepoPath: (owner, repo) =>
      findRepo(owner, repo)?.gitDir ?? repoDir(owner, repo),
    async gitLog(owner, repo, ref) {
      const record = requireRepo(owner, repo);
      let revs = ['--all'];
      if (ref) {
        const resolved = await resolveRef(record, ref);
        if (!resolved) throw new Error(`No ref ${ref} in ${owner}/${repo}`);
        revs = [resolved.sha];
      }
      const out = await gitIn(record, [
        'log',
        `--format=${COMMIT_FORMAT}`,
        ...revs,
      ]);
      return parseCommits(out.toString('utf8'));
    },
    async files(owner, repo, ref) {
      const record = requireRepo(owner, repo);
      const name = ref ?? (await defaultBranch(record));
      const resolved = await resolveRef(record, name);
      if (!resolved) throw new Error(`No ref ${name} in ${owner}/${repo}`);
      const blobs = parseLsTree(
        await gitIn(record, ['ls-tree', '-r', '-z', '--long', resolved.sha]),
        '',
      ).filter(e => e.type === 'blob');
      const objects = await catFileBatch(
        record.gitDir,
        blobs.map(b => b.oid),
        env,
      );
      const result: Record<string, string> = {};
      for (const blob of blobs) {
        result[blob.path] =
          objects.get(blob.oid)?.content.toString('utf8') ?? '';
      }
      return result;
    },
    async allCommittedText(owner, repo) {
      const record = requireRepo(owner, repo);
      const listing = (
        await gitIn(record, [
          'cat-file',
          '--batch-all-objects',
          '--batch-check=%(objectname) %(objecttype)',
        ])
      )
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map(line => line.split(' '))
        .filter(
          ([, type]) => type === 'blob' || type === 'commit' || type === 'tag',
        );
      const objects = await catFileBatch(
        record.gitDir,
        listing.map(([oid]) => oid),
        env,
      );
      return [...objects.entries()]
        .map(
          ([oid, o]) => `=== ${o.type} ${oid}\n${o.content.toString('utf8')}\n`,
        )
        .join('');
    },
    requests: () =>
      log.map(({ entry, res }) => ({
        ...entry,
        status: res.headersSent ? res.statusCode : entry.status,
      })),
    close() {
      closing ??= (async () => {
        for (const child of children) child.kill('SIGKILL');
        await new Promise<void>(resolve => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

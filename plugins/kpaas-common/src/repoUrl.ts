/*
 * One spelling per repository, so a cluster's registered repo (kpaas-backend records this form)
 * can be compared with the repo a task runs from (the kpaas actions). Pure.
 */

/** Markers after which a web URL points into the repo (branch, file), not at the repo. */
const IN_REPO_MARKERS = new Set(['tree', 'blob', 'src', 'raw', '-', 'commit']);

function fromPickerValue(value: string): string | undefined {
  // RepoUrlPicker: `github.com?owner=o&repo=r`, GitLab `gitlab.com?owner=group/sub&repo=r`,
  // Bitbucket `bitbucket.org?workspace=w&project=p&repo=r`,
  // Azure `dev.azure.com?organization=o&project=p&repo=r`
  const q = value.indexOf('?');
  if (q <= 0 || value.slice(0, q).includes('/')) return undefined;
  const host = value.slice(0, q);
  const params = new URLSearchParams(value.slice(q + 1));
  const repo = params.get('repo');
  if (!repo) return undefined;
  const owner = params.get('owner');
  if (owner) return `https://${host}/${owner}/${repo}`;
  const organization = params.get('organization');
  const project = params.get('project');
  if (organization && project) {
    return `https://${host}/${organization}/${project}/_git/${repo}`;
  }
  const workspace = params.get('workspace');
  if (workspace) return `https://${host}/${workspace}/${repo}`;
  return undefined;
}

function fromScpLike(value: string): string | undefined {
  // git@github.com:owner/repo.git
  const m = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/)(.+)$/.exec(value);
  return m ? `https://${m[1]}/${m[2]}` : undefined;
}

/**
 * The normalized form of a repository URL: `https://<host>[:port]/<path>`, lower case, without
 * credentials, query, `.git`, trailing slash, or a branch/file suffix (`/tree/main/...`,
 * `/-/blob/...`, `/src/branch/...`). Accepts RepoUrlPicker values (`github.com?owner=o&repo=r`),
 * https/http/ssh URLs and `git@host:owner/repo.git`.
 *
 * @throws Error naming `field` when the value is not a repository URL.
 * @public
 */
export function normalizeRepoUrl(value: string, field = 'repoUrl'): string {
  const raw = value.trim();
  const candidate =
    fromPickerValue(raw) ??
    fromScpLike(raw) ??
    (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : undefined);
  let url: URL | undefined;
  try {
    url = candidate ? new URL(candidate) : undefined;
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['https:', 'http:', 'ssh:', 'git+ssh:'].includes(url.protocol) ||
    !url.hostname
  ) {
    throw new Error(
      `${field} "${value}" is not a repository URL; use https://<host>/<owner>/<repo> or the RepoUrlPicker value <host>?owner=<owner>&repo=<repo>`,
    );
  }
  const segments: string[] = [];
  for (const s of url.pathname.split('/')) {
    if (!s) continue;
    if (segments.length >= 2 && IN_REPO_MARKERS.has(s.toLowerCase())) break;
    segments.push(decodeURIComponent(s));
  }
  if (segments.length > 0) {
    segments[segments.length - 1] = segments[segments.length - 1].replace(
      /\.git$/i,
      '',
    );
  }
  if (segments.length < 2 || segments.some(s => s === '.' || s === '..')) {
    throw new Error(
      `${field} "${value}" names no repository (expected <host>/<owner>/<repo>)`,
    );
  }
  // ssh ports (22, 2222, ...) say nothing about the https address
  const port =
    url.protocol === 'https:' || url.protocol === 'http:' ? url.port : '';
  const host = `${url.hostname}${port && port !== '443' ? `:${port}` : ''}`;
  return `https://${host}/${segments.join('/')}`.toLowerCase();
}

/** True when both name the same repository (after {@link normalizeRepoUrl}). @public */
export function sameRepo(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

import { shellQuote } from '../ssh';
import { PlannedAddonInstall } from './plan';
import { RemoteShell } from './remoteShell';

/*
 * Helm on the first control-plane node. Commands are built here (quoted, pinned) and run through
 * a RemoteShell; values files with secret tokens are passed as process substitutions of secret
 * environment variables, so a resolved secret is never written to the node's disk.
 */

/** One entry of `helm list -o json`. */
export interface HelmReleaseInfo {
  name: string;
  namespace: string;
  /** `<chart>-<version>` */
  chart: string;
  status: string;
}

/** Releases of every namespace (`helm list -A -o json`, failed/pending ones included). */
export async function helmList(shell: RemoteShell): Promise<HelmReleaseInfo[]> {
  const r = await shell.exec('helm list --all-namespaces --all --output json', {
    step: 'helm list',
    quiet: true,
  });
  const text = r.stdout.trim();
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as HelmReleaseInfo[];
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    throw new Error(`helm list printed no JSON: ${text.slice(0, 200)}`);
  }
}

/** The release's user-supplied values (`helm get values -o json`; `{}` when it has none). */
export async function helmGetValues(
  shell: RemoteShell,
  release: string,
  namespace: string,
): Promise<Record<string, unknown>> {
  const r = await shell.exec(
    `helm get values ${shellQuote(release)} --namespace ${shellQuote(
      namespace,
    )} --output json`,
    // the values may hold resolved secrets: never printed
    { step: `helm get values ${release}`, quiet: true },
  );
  const text = r.stdout.trim();
  try {
    const parsed = JSON.parse(text || 'null');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    throw new Error(`helm get values ${release} printed no JSON`);
  }
}

/** The chart version of a release (`<chart>-<version>` of `helm list`), if it is that chart. */
export function releaseVersion(
  release: HelmReleaseInfo,
  chart: string,
): string | undefined {
  return release.chart.startsWith(`${chart}-`)
    ? release.chart.slice(chart.length + 1)
    : undefined;
}

/** True when the release runs the pinned chart version and is deployed. */
export function isReleaseCurrent(
  addon: PlannedAddonInstall,
  releases: HelmReleaseInfo[],
): boolean {
  if (!addon.chart || !addon.release) return false;
  const found = releases.find(
    r => r.name === addon.release && r.namespace === addon.namespace,
  );
  return (
    found?.status === 'deployed' &&
    found.chart === `${addon.chart.name}-${addon.chart.version}`
  );
}

/** `helm repo add` for each distinct https repository of `addons` (OCI charts need none). */
export function repoAddCommands(addons: PlannedAddonInstall[]): string[] {
  const repos = new Map<string, string>();
  for (const a of addons) {
    if (a.chart?.repoName) repos.set(a.chart.repoName, a.chart.repoUrl);
  }
  return [...repos].map(
    ([name, url]) =>
      `helm repo add --force-update ${shellQuote(name)} ${shellQuote(url)}`,
  );
}

/**
 * `helm upgrade --install` of one add-on, pinned, atomic, waiting. `valuesPaths` are the uploaded
 * files; `secretValuesEnv` names environment variables holding values documents with resolved
 * secrets (passed as `<(printf …)`).
 */
export function upgradeInstallCommand(
  addon: PlannedAddonInstall,
  valuesPaths: string[],
  secretValuesEnv: string[],
  timeoutSeconds: number,
): string {
  if (!addon.chart || !addon.release) {
    throw new Error(`${addon.id} is not a Helm add-on`);
  }
  const values = [
    ...valuesPaths.map(p => `--values ${shellQuote(p)}`),
    ...secretValuesEnv.map(v => `--values <(printf '%s' "$${v}")`),
  ];
  return [
    'helm upgrade --install',
    shellQuote(addon.release),
    shellQuote(addon.chart.ref),
    `--version ${shellQuote(addon.chart.version)}`,
    `--namespace ${shellQuote(addon.namespace)}`,
    '--create-namespace',
    ...values,
    '--atomic',
    `--timeout ${timeoutSeconds}s`,
    '--wait',
  ].join(' ');
}

export function uninstallCommand(
  addon: PlannedAddonInstall,
  timeoutSeconds: number,
): string {
  return [
    'helm uninstall',
    shellQuote(addon.release ?? addon.id),
    `--namespace ${shellQuote(addon.namespace)}`,
    '--wait',
    `--timeout ${timeoutSeconds}s`,
  ].join(' ');
}

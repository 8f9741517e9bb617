import type { Config } from '@backstage/config';
import { HELM_VERSION } from './plan';
import { CP_DEPLOYMENT_VERSION } from './kpaasCp';

/*
 * The download catalog of the node scripts: every file a node fetches from the internet is
 * pinned here by URL and sha256, and the script checks it with `sha256sum -c` before using it
 * (scripts/lib.sh fetch_verified). Config can move a download to a mirror or set a pin:
 *
 *   kpaas.actions.downloads.helm.<amd64|arm64>.{url,sha256}
 *   kpaas.actions.downloads.cpDeployment.{url,sha256}
 */

export interface PinnedDownload {
  url: string;
  /** Lower-case hex sha256 of the file at url; undefined: not pinned (use is refused). */
  sha256?: string;
}

export type HelmArch = 'amd64' | 'arm64';

export interface NodeDownloads {
  helm: Record<HelmArch, PinnedDownload>;
  cpDeployment: PinnedDownload;
}

/**
 * The pins kpaas ships. Helm: get.helm.sh publishes `<file>.sha256sum` next to each tarball;
 * these are those values for v3.16.3 (the same values are pinned by e.g. openstack/kolla's
 * kolla/common/sources.py). cp-deployment: K-PaaS publishes no checksum for its GitHub
 * release archive and it could not be verified here, so it ships unpinned: an operator who
 * verified the archive sets kpaas.actions.downloads.cpDeployment.sha256 (installer kpaas-cp is
 * refused until then).
 */
export const DEFAULT_NODE_DOWNLOADS: NodeDownloads = {
  helm: {
    amd64: {
      url: `https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz`,
      sha256:
        'f5355c79190951eed23c5432a3b920e071f4c00a64f75e077de0dd4cb7b294ea',
    },
    arm64: {
      url: `https://get.helm.sh/helm-${HELM_VERSION}-linux-arm64.tar.gz`,
      sha256:
        '5bd34ed774df6914b323ff84a0a156ea6ff2ba1eaf0113962fa773f3f9def798',
    },
  },
  cpDeployment: {
    url: `https://github.com/K-PaaS/cp-deployment/archive/refs/tags/${CP_DEPLOYMENT_VERSION}.tar.gz`,
  },
};

const SHA256 = /^[0-9a-f]{64}$/;
const KEY = 'kpaas.actions.downloads';

/** The catalog with config applied, and the problems of the config (each naming its key). */
export function readNodeDownloads(config?: Config): {
  downloads: NodeDownloads;
  problems: string[];
} {
  const problems: string[] = [];
  const one = (base: PinnedDownload, key: string): PinnedDownload => {
    const c = config?.getOptionalConfig(`${KEY}.${key}`);
    const url = c?.getOptionalString('url') ?? base.url;
    const sha256 = c?.getOptionalString('sha256')?.toLowerCase() ?? base.sha256;
    if (!/^https:\/\/[^\s'"\\]+$/.test(url)) {
      problems.push(`${KEY}.${key}.url: "${url}" is not an https URL`);
    }
    if (sha256 !== undefined && !SHA256.test(sha256)) {
      problems.push(
        `${KEY}.${key}.sha256: "${sha256}" is not a sha256 (64 hex digits, as sha256sum prints it)`,
      );
    }
    // a moved download keeps no pin of the original file
    const pin =
      c?.getOptionalString('url') && !c?.getOptionalString('sha256')
        ? undefined
        : sha256;
    return { url, sha256: pin };
  };
  const d = DEFAULT_NODE_DOWNLOADS;
  return {
    downloads: {
      helm: {
        amd64: one(d.helm.amd64, 'helm.amd64'),
        arm64: one(d.helm.arm64, 'helm.arm64'),
      },
      cpDeployment: one(d.cpDeployment, 'cpDeployment'),
    },
    problems,
  };
}

/** A pin that is missing, as a problem naming the config key that sets it. */
export function missingPin(
  download: PinnedDownload,
  key: 'helm.amd64' | 'helm.arm64' | 'cpDeployment',
): string | undefined {
  return download.sha256
    ? undefined
    : `${KEY}.${key}.sha256: ${download.url} has no sha256 pin; verify the file and set its sha256 (sha256sum <file>) in app-config`;
}

import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_NODE_DOWNLOADS,
  missingPin,
  readNodeDownloads,
} from './downloads';

describe('node download catalog', () => {
  it('pins helm for both architectures and ships cp-deployment unpinned', () => {
    const { downloads, problems } = readNodeDownloads(undefined);
    expect(problems).toEqual([]);
    expect(downloads).toEqual(DEFAULT_NODE_DOWNLOADS);
    for (const arch of ['amd64', 'arm64'] as const) {
      expect(downloads.helm[arch].url).toBe(
        `https://get.helm.sh/helm-v3.16.3-linux-${arch}.tar.gz`,
      );
      expect(downloads.helm[arch].sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(missingPin(downloads.helm[arch], `helm.${arch}`)).toBeUndefined();
    }
    expect(missingPin(downloads.cpDeployment, 'cpDeployment')).toBe(
      'kpaas.actions.downloads.cpDeployment.sha256: https://github.com/K-PaaS/cp-deployment/archive/refs/tags/v1.7.0.tar.gz has no sha256 pin; verify the file and set its sha256 (sha256sum <file>) in app-config',
    );
  });

  it('takes a mirror and pins from config; a moved file without a pin is unpinned', () => {
    const sha = 'A'.repeat(64);
    const { downloads, problems } = readNodeDownloads(
      new ConfigReader({
        kpaas: {
          actions: {
            downloads: {
              cpDeployment: { sha256: sha },
              helm: { amd64: { url: 'https://mirror.internal/helm.tgz' } },
            },
          },
        },
      }),
    );
    expect(problems).toEqual([]);
    expect(downloads.cpDeployment.sha256).toBe('a'.repeat(64));
    expect(downloads.helm.amd64).toEqual({
      url: 'https://mirror.internal/helm.tgz',
      sha256: undefined,
    });
    expect(downloads.helm.arm64).toEqual(DEFAULT_NODE_DOWNLOADS.helm.arm64);
  });

  it('names the key of a malformed pin or URL', () => {
    const { problems } = readNodeDownloads(
      new ConfigReader({
        kpaas: {
          actions: {
            downloads: {
              cpDeployment: { sha256: 'abc' },
              helm: {
                arm64: {
                  url: 'http://insecure/helm.tgz',
                  sha256: 'b'.repeat(64),
                },
              },
            },
          },
        },
      }),
    );
    expect(problems).toEqual([
      'kpaas.actions.downloads.helm.arm64.url: "http://insecure/helm.tgz" is not an https URL',
      'kpaas.actions.downloads.cpDeployment.sha256: "abc" is not a sha256 (64 hex digits, as sha256sum prints it)',
    ]);
  });
});

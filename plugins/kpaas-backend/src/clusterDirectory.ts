import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { ClusterConnection } from './registry/ClusterRegistry';

/*
 * How the Kubernetes plugin (a different plugin, with its own database) sees kpaas clusters:
 * a root-scoped service, so the kpaas plugin and the `kubernetes` module share one instance
 * in the backend process. The kpaas plugin plugs its registry in as the source; the module
 * asks it for connections (URL, CA, decrypted token) whenever the Kubernetes plugin lists
 * clusters. Nothing crosses HTTP, so the credential never leaves the process.
 */

/** @public */
export interface KpaasClusterDirectory {
  /** Called by the kpaas plugin at startup. */
  setSource(source: () => Promise<ClusterConnection[]>): void;
  /** Registered and configured kpaas clusters with their credentials ([] until kpaas started). */
  list(): Promise<ClusterConnection[]>;
}

class CachingClusterDirectory implements KpaasClusterDirectory {
  private source?: () => Promise<ClusterConnection[]>;
  private cached?: { at: number; value: Promise<ClusterConnection[]> };

  constructor(private readonly ttlMs: number) {}

  setSource(source: () => Promise<ClusterConnection[]>) {
    this.source = source;
    this.cached = undefined;
  }

  async list(): Promise<ClusterConnection[]> {
    if (!this.source) return [];
    if (!this.cached || Date.now() - this.cached.at > this.ttlMs) {
      const value = this.source();
      this.cached = { at: Date.now(), value };
      value.catch(() => {
        this.cached = undefined;
      });
    }
    return this.cached.value;
  }
}

/** @public */
export const kpaasClusterDirectoryServiceRef =
  createServiceRef<KpaasClusterDirectory>({
    id: 'kpaas.cluster-directory',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {},
        // Registrations show up in the Kubernetes plugin within 10 s on every replica.
        factory: () => new CachingClusterDirectory(10_000),
      }),
  });

import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** Configuration of the kpaas backend plugin. */
  kpaas?: {
    /**
     * Key that encrypts cluster credentials at rest (AES-256-GCM): 32 bytes, base64 encoded
     * (`openssl rand -base64 32`). Required in production; see the README for rotation.
     * @visibility secret
     */
    encryptionKey?: string;
    /**
     * Previous encryption keys, still accepted for decryption during a key rotation.
     * @visibility secret
     */
    previousEncryptionKeys?: string[];
    /** How often cluster status is refreshed (default every 30 seconds, jittered). */
    refresh?: {
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    /** Who may register and delete clusters (refs of users or groups). */
    permissions?: {
      /** Users or groups (entity refs) allowed to register and delete clusters. */
      admins?: string[];
    };
    /** Clusters not created by the template, read from config. */
    clusters?: Array<{
      /** Cluster name (DNS-1123); the catalog entity refers to it through `kpaas.io/cluster-name`. */
      name: string;
      /** Catalog entity ref of the cluster's Resource, e.g. `resource:default/demo`. */
      entityRef?: string;
      /** Kubernetes API server URL. */
      url: string;
      /**
       * PEM or base64 CA certificate of the API server.
       * @visibility secret
       */
      caData?: string;
      /**
       * Bearer token of a read-only ServiceAccount.
       * @visibility secret
       */
      serviceAccountToken: string;
    }>;
  };
}

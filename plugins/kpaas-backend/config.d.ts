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
    /**
     * Path of the add-on catalog (values/addons.yaml), relative to the backend's working
     * directory. Default: the repo's values/addons.yaml (../../values/addons.yaml from
     * packages/backend).
     */
    addonCatalogPath?: string;
    /** Terraform `http` state backend served by kpaas-backend for kpaas:provision. */
    terraformState?: {
      /** State versions kept per cluster, so a bad apply can be inspected (default 10). */
      keepVersions?: number;
      /**
       * Largest state body (POST state, LOCK/UNLOCK, admin push) in MB (default 16). Checked
       * after the caller's credential, so an anonymous body is never read.
       */
      maxBodyMegabytes?: number;
      /**
       * Lease of a state lock in seconds (default 300). kpaas:provision renews it while
       * Terraform runs (POST .../terraform/state/lock/renew); a lock nobody renews expires and
       * the next LOCK takes it over.
       */
      lockLeaseSeconds?: number;
      /**
       * Days archived state (DELETE of the state, cluster deletion) is kept before a state admin
       * may purge it with POST .../terraform/state/purge (default 30).
       */
      archiveRetentionDays?: number;
      /**
       * Base URL of kpaas-backend as Terraform reaches it (default: the discovered kpaas URL).
       * Set it when Terraform runs where the backend's internal URL is not reachable.
       */
      baseUrl?: string;
    };
    /** Cluster status refresh. */
    refresh?: {
      /**
       * How often each cluster's status is refreshed (default every 30 seconds, first run
       * after a random 5-15 s delay). Every replica runs the refresh task and claims due
       * clusters in the database (table kpaas_status_refresh), so each cluster is refreshed
       * once per interval across all replicas; all replicas serve the result from the cache.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /** Timeout of one Kubernetes API request (default 5). */
      requestTimeoutSeconds?: number;
      /** Deadline for the whole status of one cluster (default 15). */
      clusterTimeoutSeconds?: number;
      /** Clusters refreshed at the same time (default 10). */
      concurrency?: number;
      /**
       * Keep each cluster's nodes and kube-system static pods by one LIST, then a WATCH, held by
       * the replica that holds the cluster's refresh claim (default false for now: with it, a
       * killed replica's clusters are taken over after its lease plus one interval, which
       * multiReplica.e2e.test.ts does not accept yet). false: LIST them on every refresh.
       */
      watch?: boolean;
      /** Timeout of one platform link probe (default 3). */
      linkProbeTimeoutSeconds?: number;
      /**
       * Fixed addresses for platform hosts (like curl's --resolve), when Backstage cannot
       * resolve the clusters' domains, e.g. `{ host: grafana.demo.example, address: 172.16.0.201:443 }`.
       * Only hosts derived from a cluster's spec and under `linkProbeDomains` are ever probed.
       */
      linkProbeResolve?: Array<{
        /** Platform host name, e.g. grafana.demo.example */
        host: string;
        /** `<address>:<port>` to connect to instead of resolving the host. */
        address: string;
      }>;
      /**
       * Domains whose hosts platform link probes may connect to, e.g. `[demo.example]` (that
       * domain and every host under it). A link is probed only when its host is derived from the
       * cluster's spec AND under one of these; default none: links are listed, not probed.
       */
      linkProbeDomains?: string[];
      /**
       * A cluster registered less than this many minutes ago that is not healthy yet is
       * reported as Provisioning (default 15).
       */
      provisioningGraceMinutes?: number;
    };
    /** The sample permission policy (packages/backend, KpaasPermissionPolicy). */
    permissions?: {
      /** Users or groups (entity refs) that may do everything, incl. Terraform state admin. */
      admins?: string[];
      /** Who may order a new cluster (kpaas.cluster.create): `everyone` (default) or `admins`. */
      createAllowed?: 'everyone' | 'admins';
      /** Every signed-in user may read every cluster (default false: owners and admins only). */
      readAll?: boolean;
    };
    /**
     * What service principals (other plugins, external access tokens) may do. Service principals
     * never reach the permission policy, so kpaas decides: the scaffolder (and `registrars`) may
     * register clusters, write timelines and get Terraform state credentials; everything else
     * only when listed in `allow`.
     */
    servicePrincipals?: {
      /** Plugin ids (or `plugin:<id>` subjects) that may register like the scaffolder. */
      registrars?: string[];
      /** Further grants, e.g. `{ subject: external:ci, permissions: [kpaas.cluster.read] }`. */
      allow?: Array<{
        /** `plugin:<id>` or `external:<subject>` of an external access token. */
        subject: string;
        /** kpaas permission names, e.g. kpaas.cluster.read, kpaas.cluster.refresh. */
        permissions: string[];
      }>;
    };
    /**
     * CIDRs of the networks kpaas-backend may connect to with a cluster's credential or to probe
     * a platform link; checked at registration and on every connection after DNS resolution.
     * Default the private IPv4 ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); loopback only
     * when listed (development). Link-local (169.254.0.0/16, fe80::/10) and cloud metadata
     * addresses are always refused.
     */
    clusterNetworks?: string[];
    /** Clusters not created by the template, read from config. */
    clusters?: Array<{
      /** Cluster name (DNS-1123); the catalog entity refers to it through `kpaas.io/cluster-name`. */
      name: string;
      /** Catalog entity ref of the cluster's Resource, e.g. `resource:default/demo`. */
      entityRef?: string;
      /** Owner entity ref (default: `metadata.owner` of `spec`), for the owner permission rule. */
      owner?: string;
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
      /** The cluster's ClusterSpec (cluster.yaml as an object), for add-on status and platform links. */
      spec?: object;
    }>;
  };
}

import type { Knex } from 'knex';
import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { createHash, X509Certificate } from 'node:crypto';
import {
  type ClusterRegistration,
  type ClusterSource,
  type TimelineEntry,
  type TimelineEventRequest,
  type TimelineStatus,
  normalizeRepoUrl,
} from '@internal/plugin-kpaas-common';
import { CredentialCipher } from '../crypto/CredentialCipher';
import { normalizeOwnerRef } from '../permissions/clusterResource';

/** A registered or configured cluster, without its credential. */
export interface ClusterRecord {
  name: string;
  entityRef?: string;
  apiServerUrl: string;
  caData?: string;
  spec?: unknown;
  source: ClusterSource;
  taskId?: string;
  /** Owner entity ref (normalized), from the spec's `metadata.owner`. */
  owner?: string;
  /** Normalized cluster repo URL. */
  repoUrl?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the status collector and the Kubernetes plugin need to talk to a cluster. */
export interface ClusterConnection {
  name: string;
  apiServerUrl: string;
  /** PEM CA certificate, when the API server's certificate is not publicly trusted. */
  caData?: string;
  /** Decrypted ServiceAccount token; never logged or returned by a route. */
  token: string;
}

export interface RegisterClusterInput {
  name: string;
  entityRef?: string;
  apiServerUrl: string;
  caData?: string;
  serviceAccountToken: string;
  spec?: unknown;
  taskId?: string;
  /** Any URL form; stored normalized (see normalizeRepoUrl). */
  repoUrl?: string;
}

interface ClusterRow {
  name: string;
  entity_ref: string | null;
  api_server_url: string;
  ca_data: string | null;
  credential_ciphertext: string;
  spec: string | null;
  source: string;
  task_id: string | null;
  owner: string | null;
  repo_url: string | null;
  created_at: string | Date | number;
  updated_at: string | Date | number;
}

interface TimelineRow {
  id: number | string;
  cluster: string;
  phase: string;
  step: string;
  status: string;
  started_at: string | Date | number;
  finished_at: string | Date | number | null;
  summary: string | null;
  task_id: string | null;
}

interface ConfigCluster {
  record: ClusterRecord;
  token: string;
}

const CLUSTERS = 'kpaas_clusters';
const TIMELINE = 'kpaas_timeline';

/** Timestamps come back as Date (PostgreSQL), string or number (SQLite). */
function toIso(value: string | Date | number): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** CA data may be PEM or base64 of PEM (kubeconfig style); the registry keeps PEM. */
export function normalizeCaData(
  caData: string | undefined,
): string | undefined {
  if (!caData) return undefined;
  const trimmed = caData.trim();
  if (trimmed.startsWith('-----BEGIN')) return `${trimmed}\n`;
  return Buffer.from(trimmed, 'base64').toString('utf8');
}

/** SHA-256 fingerprint of a PEM certificate, as `AA:BB:…` (undefined when it does not parse). */
export function caFingerprint(caPem: string | undefined): string | undefined {
  if (!caPem) return undefined;
  try {
    return new X509Certificate(caPem).fingerprint256;
  } catch {
    return `sha256:${createHash('sha256').update(caPem).digest('hex')}`;
  }
}

/** `metadata.owner` of a spec, as a full entity ref; undefined when the spec has none. */
export function ownerOfSpec(spec: unknown): string | undefined {
  const owner = (spec as { metadata?: { owner?: unknown } } | undefined)
    ?.metadata?.owner;
  return typeof owner === 'string' && owner.trim()
    ? normalizeOwnerRef(owner)
    : undefined;
}

/** The public view of a record: no credential, the CA only as a fingerprint. */
export function toRegistration(record: ClusterRecord): ClusterRegistration {
  return {
    name: record.name,
    entityRef: record.entityRef,
    apiServerUrl: record.apiServerUrl,
    source: record.source,
    caFingerprint: caFingerprint(record.caData),
    spec: record.spec,
    taskId: record.taskId,
    owner: record.owner,
    repoUrl: record.repoUrl,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * The cluster registry: clusters registered through the API (stored in the plugin database,
 * the credential encrypted) merged with `kpaas.clusters[]` from config. Config clusters win on a
 * name clash and cannot be re-registered or deleted through the API.
 */
export class ClusterRegistry {
  private readonly configClusters: Map<string, ConfigCluster>;

  constructor(
    private readonly db: Knex,
    private readonly cipher: CredentialCipher,
    configClusters: ConfigCluster[],
    private readonly logger: LoggerService,
  ) {
    this.configClusters = new Map(configClusters.map(c => [c.record.name, c]));
  }

  static readConfigClusters(config: Config): ConfigCluster[] {
    const startedAt = new Date().toISOString();
    return (config.getOptionalConfigArray('kpaas.clusters') ?? []).map(c => ({
      record: {
        name: c.getString('name'),
        entityRef: c.getOptionalString('entityRef'),
        apiServerUrl: c.getString('url'),
        caData: normalizeCaData(c.getOptionalString('caData')),
        spec: c.getOptional('spec'),
        owner: c.has('owner')
          ? normalizeOwnerRef(c.getString('owner'))
          : ownerOfSpec(c.getOptional('spec')),
        source: 'config' as const,
        createdAt: startedAt,
        updatedAt: startedAt,
      },
      token: c.getString('serviceAccountToken'),
    }));
  }

  /**
   * Re-encrypts rows still encrypted with a previous key, so a previous key can be dropped from
   * config once this has run (see README, key rotation). Returns how many rows changed.
   */
  async reencryptWithCurrentKey(): Promise<number> {
    const rows: Array<Pick<ClusterRow, 'name' | 'credential_ciphertext'>> =
      await this.db(CLUSTERS).select('name', 'credential_ciphertext');
    let changed = 0;
    for (const row of rows) {
      if (
        CredentialCipher.keyIdOf(row.credential_ciphertext) ===
        this.cipher.currentKeyId
      ) {
        continue;
      }
      try {
        const token = this.cipher.decrypt(row.credential_ciphertext);
        await this.db(CLUSTERS)
          .where({ name: row.name })
          .update({ credential_ciphertext: this.cipher.encrypt(token) });
        changed++;
      } catch (error) {
        this.logger.warn(
          `kpaas: cannot re-encrypt the credential of cluster ${row.name}: ${
            (error as Error).message
          }`,
        );
      }
    }
    return changed;
  }

  private fromRow(row: ClusterRow): ClusterRecord {
    return {
      name: row.name,
      entityRef: row.entity_ref ?? undefined,
      apiServerUrl: row.api_server_url,
      caData: row.ca_data ?? undefined,
      spec: row.spec ? JSON.parse(row.spec) : undefined,
      source: 'registered',
      taskId: row.task_id ?? undefined,
      owner: row.owner ?? undefined,
      repoUrl: row.repo_url ?? undefined,
      createdAt: toIso(row.created_at),
      updatedAt: toIso(row.updated_at),
    };
  }

  async list(): Promise<ClusterRecord[]> {
    const rows: ClusterRow[] = await this.db(CLUSTERS).select().orderBy('name');
    const registered = rows
      .filter(row => !this.configClusters.has(row.name))
      .map(row => this.fromRow(row));
    const configured = [...this.configClusters.values()].map(c => c.record);
    return [...configured, ...registered].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }

  async get(name: string): Promise<ClusterRecord | undefined> {
    const configured = this.configClusters.get(name);
    if (configured) return configured.record;
    const row: ClusterRow | undefined = await this.db(CLUSTERS)
      .where({ name })
      .first();
    return row ? this.fromRow(row) : undefined;
  }

  /** The record plus its decrypted credential; for the status collector and the Kubernetes plugin. */
  async getConnection(name: string): Promise<ClusterConnection | undefined> {
    const configured = this.configClusters.get(name);
    if (configured) {
      return {
        name,
        apiServerUrl: configured.record.apiServerUrl,
        caData: configured.record.caData,
        token: configured.token,
      };
    }
    const row: ClusterRow | undefined = await this.db(CLUSTERS)
      .where({ name })
      .first();
    if (!row) return undefined;
    return {
      name,
      apiServerUrl: row.api_server_url,
      caData: row.ca_data ?? undefined,
      token: this.cipher.decrypt(row.credential_ciphertext),
    };
  }

  async listConnections(): Promise<ClusterConnection[]> {
    const clusters = await this.list();
    const out: ClusterConnection[] = [];
    for (const cluster of clusters) {
      try {
        const connection = await this.getConnection(cluster.name);
        if (connection) out.push(connection);
      } catch (error) {
        this.logger.warn(
          `kpaas: skipping cluster ${cluster.name}: ${
            (error as Error).message
          }`,
        );
      }
    }
    return out;
  }

  /** Registers a cluster or updates its registration; returns the record and whether it was new. */
  async register(
    input: RegisterClusterInput,
  ): Promise<{ record: ClusterRecord; created: boolean }> {
    if (this.configClusters.has(input.name)) {
      throw new ConflictError(
        `cluster "${input.name}" is defined in app-config (kpaas.clusters); change it there, or register it under another name`,
      );
    }
    const now = new Date().toISOString();
    // A re-registration without a spec or repo keeps the recorded owner and repo.
    const owner = ownerOfSpec(input.spec);
    const values = {
      ...(owner ? { owner } : {}),
      ...(input.repoUrl ? { repo_url: normalizeRepoUrl(input.repoUrl) } : {}),
      entity_ref: input.entityRef ?? null,
      api_server_url: input.apiServerUrl,
      ca_data: normalizeCaData(input.caData) ?? null,
      credential_ciphertext: this.cipher.encrypt(input.serviceAccountToken),
      spec: input.spec === undefined ? null : JSON.stringify(input.spec),
      source: 'registered',
      task_id: input.taskId ?? null,
      updated_at: now,
    };
    const created = await this.db.transaction(async tx => {
      const existing: Pick<ClusterRow, 'name' | 'repo_url'> | undefined =
        await tx(CLUSTERS)
          .where({ name: input.name })
          .first('name', 'repo_url');
      // A cluster is changed only from its own repo: the recorded one wins.
      if (
        existing?.repo_url &&
        values.repo_url &&
        existing.repo_url !== values.repo_url
      ) {
        throw new ConflictError(
          `cluster "${input.name}" is registered from ${existing.repo_url}; a registration from ${values.repo_url} is refused. Run the cluster's own repo, or delete the cluster first`,
        );
      }
      if (existing) {
        await tx(CLUSTERS).where({ name: input.name }).update(values);
        return false;
      }
      await tx(CLUSTERS).insert({
        name: input.name,
        ...values,
        created_at: now,
      });
      return true;
    });
    return { record: (await this.get(input.name))!, created };
  }

  async delete(name: string): Promise<void> {
    if (this.configClusters.has(name)) {
      throw new ConflictError(
        `cluster "${name}" is defined in app-config (kpaas.clusters); remove it there`,
      );
    }
    await this.db.transaction(async tx => {
      const deleted = await tx(CLUSTERS).where({ name }).delete();
      if (deleted === 0) throw new NotFoundError(`no cluster named "${name}"`);
      // Kept for the record, but no longer this name's timeline: a new cluster of the same
      // name starts with an empty one.
      await tx(TIMELINE)
        .where({ cluster: name })
        .whereNull('archived_at')
        .update({ archived_at: new Date().toISOString() });
    });
  }

  /** Timeline entries of deleted clusters of this name, oldest first. */
  async listArchivedTimeline(cluster: string): Promise<TimelineEntry[]> {
    const rows: TimelineRow[] = await this.db(TIMELINE)
      .where({ cluster })
      .whereNotNull('archived_at')
      .orderBy([
        { column: 'started_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(row => this.timelineFromRow(row));
  }

  async addTimelineEntry(
    cluster: string,
    event: TimelineEventRequest,
  ): Promise<TimelineEntry> {
    const row = {
      cluster,
      phase: event.phase,
      step: event.step,
      status: event.status,
      started_at: event.startedAt ?? new Date().toISOString(),
      finished_at:
        event.finishedAt ??
        (event.status === 'running' ? null : new Date().toISOString()),
      summary: event.summary ?? null,
      task_id: event.taskId ?? null,
    };
    // An event for a step that is already running (same task) finishes that entry.
    const open: TimelineRow | undefined = await this.db(TIMELINE)
      .where({
        cluster,
        phase: event.phase,
        step: event.step,
        status: 'running',
      })
      .whereNull('archived_at')
      .modify(q => (event.taskId ? q.where({ task_id: event.taskId }) : q))
      .orderBy('id', 'desc')
      .first();
    if (open) {
      await this.db(TIMELINE)
        .where({ id: open.id })
        .update({
          status: row.status,
          finished_at: row.finished_at,
          summary: row.summary ?? open.summary,
        });
      return this.timelineFromRow(
        (await this.db(TIMELINE).where({ id: open.id }).first())!,
      );
    }
    const [inserted] = await this.db(TIMELINE).insert(row, ['id']);
    const id = typeof inserted === 'object' ? inserted.id : inserted;
    return this.timelineFromRow(
      (await this.db(TIMELINE).where({ id }).first())!,
    );
  }

  private timelineFromRow(row: TimelineRow): TimelineEntry {
    return {
      id: Number(row.id),
      cluster: row.cluster,
      phase: row.phase,
      step: row.step,
      status: row.status as TimelineStatus,
      startedAt: toIso(row.started_at),
      finishedAt: row.finished_at ? toIso(row.finished_at) : undefined,
      summary: row.summary ?? undefined,
      taskId: row.task_id ?? undefined,
    };
  }

  async listTimeline(cluster: string): Promise<TimelineEntry[]> {
    const rows: TimelineRow[] = await this.db(TIMELINE)
      .where({ cluster })
      .whereNull('archived_at')
      .orderBy([
        { column: 'started_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(row => this.timelineFromRow(row));
  }

  /** The newest running timeline entry, if any: the cluster is being provisioned. */
  async runningEntry(cluster: string): Promise<TimelineEntry | undefined> {
    const row: TimelineRow | undefined = await this.db(TIMELINE)
      .where({ cluster, status: 'running' })
      .whereNull('archived_at')
      .orderBy('id', 'desc')
      .first();
    return row ? this.timelineFromRow(row) : undefined;
  }
}

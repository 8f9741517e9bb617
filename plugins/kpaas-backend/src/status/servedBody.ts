import type { ClusterStatus } from '@internal/plugin-kpaas-common';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/*
 * A status ready to send: serialised, tagged and gzipped once per change, never per request.
 * The nodes (most of a large cluster's ~1.2 MB) are serialised last, so a watched cluster joins
 * its per-node strings instead of serialising every node again.
 */

export interface ServedStatus {
  status: ClusterStatus;
  /** `status` serialised once, for the route. */
  json: string;
}

export interface ServedBody extends ServedStatus {
  body: Buffer;
  etag: string;
  gzip(): Buffer;
}

export interface Memo extends ServedBody {
  readAt: number;
}

/** JSON of a status; `nodesJson` is `JSON.stringify(status.nodes)` when the caller has it. */
export function serializeStatus(
  status: ClusterStatus,
  nodesJson?: string,
): string {
  const { nodes, ...rest } = status;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"nodes":${nodesJson ?? JSON.stringify(nodes)}}`;
}

/**
 * A memo of a serialised status. `status` may be a function (parsed when first read: a replica
 * that only serves the body never parses it); `etag` may be given (read from the cache next to
 * the body), else it is the body's SHA-1. The bytes and the gzip are made when first sent.
 */
export function toMemo(
  status: ClusterStatus | (() => ClusterStatus),
  json: string,
  etag?: string,
): Memo {
  let parsed = typeof status === 'function' ? undefined : status;
  let body: Buffer | undefined;
  let gzipped: Buffer | undefined;
  const bytes = () => (body ??= Buffer.from(json));
  return {
    get status() {
      parsed ??= (status as () => ClusterStatus)();
      return parsed;
    },
    json,
    get body() {
      return bytes();
    },
    etag: etag ?? `"${createHash('sha1').update(json).digest('base64url')}"`,
    gzip: () => (gzipped ??= gzipSync(bytes(), { level: 6 })),
    readAt: Date.now(),
  };
}

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

export function toMemo(status: ClusterStatus, json: string): Memo {
  const body = Buffer.from(json);
  let gzipped: Buffer | undefined;
  return {
    status,
    json,
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    gzip: () => (gzipped ??= gzipSync(body, { level: 6 })),
    readAt: Date.now(),
  };
}

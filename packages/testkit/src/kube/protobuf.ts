/*
 * Decoding of Kubernetes protobuf request bodies for a handful of types.
 *
 * Typed client-go clients (and with them kubectl's imperative commands such as
 * `create configmap`, `create secret`, `create namespace`, `auth whoami`,
 * `auth can-i`) send bodies as `application/vnd.kubernetes.protobuf` and have
 * no fallback to JSON. Responses can stay JSON (they accept it). The body is
 * the `k8s\0` magic followed by a runtime.Unknown envelope whose `raw` is the
 * object message; field numbers below come from the types' generated.proto.
 */
import { badRequest, unsupportedMediaType } from './status';
import { KubeObject } from './types';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

type FieldType =
  | 'string'
  | 'bytes'
  | 'int'
  | 'bool'
  | 'time'
  | { message: Schema }
  | { map: 'string' | 'bytes' };

interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}

type Schema = Record<number, FieldSpec>;

const f = (name: string, type: FieldType, repeated = false): FieldSpec => ({
  name,
  type,
  repeated,
});

const OWNER_REFERENCE: Schema = {
  1: f('kind', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('controller', 'bool'),
  7: f('blockOwnerDeletion', 'bool'),
};

const OBJECT_META: Schema = {
  1: f('name', 'string'),
  2: f('generateName', 'string'),
  3: f('namespace', 'string'),
  5: f('uid', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('generation', 'int'),
  8: f('creationTimestamp', 'time'),
  10: f('deletionGracePeriodSeconds', 'int'),
  11: f('labels', { map: 'string' }),
  12: f('annotations', { map: 'string' }),
  13: f('ownerReferences', { message: OWNER_REFERENCE }, true),
  14: f('finalizers', 'string', true),
};

const metadata = f('metadata', { message: OBJECT_META });

const OBJECT_REFERENCE: Schema = {
  1: f('kind', 'string'),
  2: f('namespace', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('fieldPath', 'string'),
};

const SCHEMAS: Record<string, Schema> = {
  'v1/ConfigMap': {
    1: metadata,
    2: f('data', { map: 'string' }),
    3: f('binaryData', { map: 'bytes' }),
    4: f('immutable', 'bool'),
  },
  'v1/Secret': {
    1: metadata,
    2: f('data', { map: 'bytes' }),
    3: f('type', 'string'),
    4: f('stringData', { map: 'string' }),
    5: f('immutable', 'bool'),
  },
  'v1/Namespace': {
    1: metadata,
    2: f('spec', { message: { 1: f('finalizers', 'string', true) } }),
  },
  'v1/ServiceAccount': {
    1: metadata,
    2: f('secrets', { message: OBJECT_REFERENCE }, true),
    3: f('imagePullSecrets', { message: { 1: f('name', 'string') } }, true),
    4: f('automountServiceAccountToken', 'bool'),
  },
  'authentication.k8s.io/v1/SelfSubjectReview': { 1: metadata },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: metadata,
    2: f('spec', {
      message: {
        1: f('resourceAttributes', {
          message: {
            1: f('namespace', 'string'),
            2: f('verb', 'string'),
            3: f('group', 'string'),
            4: f('version', 'string'),
            5: f('resource', 'string'),
            6: f('subresource', 'string'),
            7: f('name', 'string'),
          },
        }),
        2: f('nonResourceAttributes', {
          message: { 1: f('path', 'string'), 2: f('verb', 'string') },
        }),
      },
    }),
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done() {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length)
        throw badRequest('truncated protobuf body');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(wireType: number) {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw badRequest(`unsupported protobuf wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, any> {
  const out: Record<string, any> = {};
  const reader = new Reader(buf);
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = schema[key >> 3];
    const wireType = key & 7;
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    const value = decodeField(reader, field.type, wireType);
    if (value === undefined) continue;
    // gogo-protobuf writes empty scalars; JSON (omitempty) leaves them out.
    if (!field.repeated && (value === '' || value === 0 || value === false))
      continue;
    if (typeof field.type === 'object' && 'map' in field.type) {
      out[field.name] = { ...(out[field.name] ?? {}), [value[0]]: value[1] };
    } else if (field.repeated) {
      (out[field.name] ??= []).push(value);
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

function decodeField(reader: Reader, type: FieldType, wireType: number): any {
  if (type === 'int') return Number(BigInt.asIntN(64, reader.varint()));
  if (type === 'bool') return reader.varint() !== 0n;
  const bytes =
    wireType === 2 ? reader.bytes() : (reader.skip(wireType), Buffer.alloc(0));
  if (type === 'string') return bytes.toString('utf8');
  if (type === 'bytes') return bytes.toString('base64');
  if (type === 'time') {
    const t = decodeMessage(bytes, {
      1: f('seconds', 'int'),
      2: f('nanos', 'int'),
    });
    return t.seconds
      ? new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      : undefined;
  }
  if ('message' in type) return decodeMessage(bytes, type.message);
  const entry = decodeMessage(bytes, {
    1: f('key', 'string'),
    2: f('value', type.map),
  });
  return [entry.key ?? '', entry.value ?? ''];
}

/** Decodes a `k8s\0`-prefixed protobuf body into the JSON object it encodes. */
export function decodeKubeProtobuf(body: Buffer): KubeObject {
  if (
    body.length < 4 ||
    body.subarray(0, 4).toString('latin1') !== 'k8s\u0000'
  ) {
    throw badRequest('protobuf body lacks the k8s envelope prefix');
  }
  const envelope = decodeMessage(body.subarray(4), {
    1: f('typeMeta', {
      message: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
    }),
    2: f('raw', 'bytes'),
  });
  const apiVersion: string = envelope.typeMeta?.apiVersion ?? '';
  const kind: string = envelope.typeMeta?.kind ?? '';
  const schema = SCHEMAS[`${apiVersion}/${kind}`];
  if (!schema) {
    throw unsupportedMediaType(
      `${PROTOBUF_CONTENT_TYPE} (${apiVersion}/${kind})`,
      [
        'application/json',
        'application/yaml',
        `${PROTOBUF_CONTENT_TYPE} for ${Object.keys(SCHEMAS).join(', ')}`,
      ],
    );
  }
  const raw = Buffer.from(envelope.raw ?? '', 'base64');
  return { apiVersion, kind, ...decodeMessage(raw, schema) };
}

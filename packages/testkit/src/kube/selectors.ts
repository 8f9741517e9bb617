/*
 * Label and field selectors, parsed from their query-string form with the
 * same operators the apiserver accepts.
 */
import { badRequest } from './status';
import { KubeObject } from './types';

export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are not inside a `( … )` value set. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim()).filter(p => p.length > 0);
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const SET_RE = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EQ_RE = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const CMP_RE = new RegExp(`^(${KEY})\\s*([<>])\\s*(-?\\d+)$`);
const EXISTS_RE = new RegExp(`^(!)?\\s*(${KEY})$`);

export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input) return [];
  return splitTopLevel(input).map(part => {
    let m = SET_RE.exec(part);
    if (m) {
      const values = m[4]
        .split(',')
        .map(v => v.trim())
        .filter(v => v.length > 0);
      return { key: m[1], op: m[3] as 'in' | 'notin', values };
    }
    m = EQ_RE.exec(part);
    if (m) {
      const value = m[4] ?? '';
      return { key: m[1], op: m[3] === '!=' ? 'notin' : 'in', values: [value] };
    }
    m = CMP_RE.exec(part);
    if (m) {
      return { key: m[1], op: m[3] === '>' ? 'gt' : 'lt', value: Number(m[4]) };
    }
    m = EXISTS_RE.exec(part);
    if (m) {
      return { key: m[2], op: m[1] ? 'notexists' : 'exists' };
    }
    throw badRequest(
      `unable to parse requirement: found '${part}', expected: identifier, '=', '==', '!=', 'in', 'notin'`,
    );
  });
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const actual = labels ?? {};
  return selector.every(req => {
    const has = Object.prototype.hasOwnProperty.call(actual, req.key);
    const value = actual[req.key];
    switch (req.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && req.values.includes(value);
      case 'notin':
        // `!=` and `notin` also match objects without the label at all.
        return !has || !req.values.includes(value);
      case 'gt':
        return has && Number(value) > req.value;
      case 'lt':
        return has && Number(value) < req.value;
      default:
        return false;
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Field labels the apiserver accepts per resource, beyond metadata.name/namespace. */
const EXTRA_FIELD_LABELS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  secrets: ['type'],
  replicasets: ['status.replicas'],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

export function parseFieldSelector(
  input: string | undefined,
  plural: string,
): FieldSelector {
  if (!input) return [];
  const allowed = new Set([
    'metadata.name',
    'metadata.namespace',
    ...(EXTRA_FIELD_LABELS[plural] ?? []),
  ]);
  return splitTopLevel(input).map(part => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m)
      throw badRequest(
        `invalid selector: '${input}'; can't understand '${part}'`,
      );
    const field = m[1];
    if (!allowed.has(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() };
  });
}

function fieldValue(obj: KubeObject, path: string): string {
  if (path === 'source')
    return String(obj.source?.component ?? obj.reportingComponent ?? '');
  let current: any = obj;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = current[segment];
  }
  if (current === undefined || current === null) return '';
  return String(current);
}

export function matchesFields(
  selector: FieldSelector,
  obj: KubeObject,
): boolean {
  return selector.every(req => {
    const actual = fieldValue(obj, req.field);
    return req.op === '=' ? actual === req.value : actual !== req.value;
  });
}

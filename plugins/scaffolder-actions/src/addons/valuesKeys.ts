import { closest, distance } from 'fastest-levenshtein';

/*
 * Catches typos in per-cluster value overrides before anything is installed: every override key
 * must exist in the pack's default values file of that add-on, unless it sits below a map whose
 * keys are free-form (labels, annotations, env, config, …), below an empty map, or replaces a
 * list. The pack's values files name every key kpaas relies on; a key a chart has but the pack
 * does not name is added to the pack first (where check-values proves it against the chart).
 */

/** Maps whose keys the chart does not know in advance. */
const FREE_FORM_KEYS = new Set([
  'annotations',
  'labels',
  'podAnnotations',
  'podLabels',
  'commonLabels',
  'commonAnnotations',
  'nodeSelector',
  'tolerations',
  'affinity',
  'resources',
  'env',
  'extraEnv',
  'extraEnvVars',
  'extraArgs',
  'extraVolumes',
  'extraVolumeMounts',
  'config',
  'securityContext',
  'podSecurityContext',
  'containerSecurityContext',
  'data',
  'stringData',
  'additionalLabels',
  'serviceAnnotations',
]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Dotted paths of every key in `obj` (objects only; lists are leaves). */
export function keyPaths(obj: unknown, prefix = ''): string[] {
  if (!isPlainObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...keyPaths(v, p)];
  });
}

/** One override key that the defaults do not have. */
export interface UnknownValuesKey {
  path: string;
  suggestion?: string;
}

/**
 * Override keys not found in `defaults` (see the file comment for what is accepted). Each comes
 * with the closest known key when one is near enough to be a typo.
 */
export function findUnknownValuesKeys(
  defaults: unknown,
  override: unknown,
): UnknownValuesKey[] {
  const known = keyPaths(defaults);
  const unknown: UnknownValuesKey[] = [];
  const walk = (def: unknown, ovr: unknown, prefix: string) => {
    if (!isPlainObject(ovr)) return;
    for (const [k, v] of Object.entries(ovr)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (!isPlainObject(def) || !(k in def)) {
        unknown.push({ path: p, suggestion: suggest(p, known) });
        continue;
      }
      const d = def[k];
      if (FREE_FORM_KEYS.has(k)) continue;
      if (isPlainObject(d) && Object.keys(d).length === 0) continue;
      // a null or scalar default replaced by a map, or a list: Helm takes it as a whole
      if (!isPlainObject(d)) continue;
      walk(d, v, p);
    }
  };
  walk(defaults, override, '');
  return unknown;
}

function suggest(path: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  // compare with keys of the same depth first: "controller.servce" → "controller.service"
  const depth = path.split('.').length;
  const sameDepth = known.filter(k => k.split('.').length === depth);
  const candidate = closest(path, sameDepth.length > 0 ? sameDepth : known);
  const limit = Math.max(2, Math.floor(path.length / 4));
  return distance(path, candidate) <= limit ? candidate : undefined;
}

/**
 * Flattens the inline `spec.addons[].values` map of cluster.yaml: keys written with dots
 * (`controller.replicaCount: 3`) are expanded, as the README's examples use them.
 */
export function expandDottedKeys(
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const parts = k.split('.');
    let cur = out;
    parts.slice(0, -1).forEach(part => {
      if (!isPlainObject(cur[part])) cur[part] = {};
      cur = cur[part] as Record<string, unknown>;
    });
    const last = parts[parts.length - 1];
    cur[last] =
      isPlainObject(v) && isPlainObject(cur[last])
        ? deepMerge(cur[last] as Record<string, unknown>, expandDottedKeys(v))
        : isPlainObject(v)
        ? expandDottedKeys(v)
        : v;
  }
  return out;
}

/** Helm's merge: maps merge key by key, everything else is replaced. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] =
      isPlainObject(v) && isPlainObject(out[k])
        ? deepMerge(out[k] as Record<string, unknown>, v)
        : v;
  }
  return out;
}

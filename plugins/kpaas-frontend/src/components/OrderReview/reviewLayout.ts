/*
 * Pure helpers for the order review: where each form value comes from in the template's pages
 * (page order), the schema of a nested property (titles of a host table's columns), and the keys
 * a JSON-schema condition looks at (those keep their raw value, so the scaffolder resolves the
 * same if/then/else branches as on the form).
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };
export type JsonObject = { [key: string]: JsonValue | undefined };

type Schema = JsonObject;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sub-schemas that can add properties to an object schema, in reading order. */
function branches(schema: Schema): Schema[] {
  const out: Schema[] = [];
  for (const key of ['then', 'else'] as const) {
    if (isObject(schema[key])) out.push(schema[key] as Schema);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) out.push(...list.filter(isObject));
  }
  if (isObject(schema.dependencies)) {
    for (const dep of Object.values(schema.dependencies)) {
      if (isObject(dep)) out.push(dep);
    }
  }
  return out;
}

/** Property names of an object schema in the order a reader meets them, branches included. */
export function propertyOrder(schema: Schema): string[] {
  const seen = new Set<string>();
  const walk = (s: Schema) => {
    if (isObject(s.properties)) {
      for (const key of Object.keys(s.properties)) seen.add(key);
    }
    branches(s).forEach(walk);
  };
  walk(schema);
  return [...seen];
}

/**
 * The most detailed schema declared for `key` directly in `schema` (its properties or
 * branches): the one with `properties` or `items` wins over a bare `{}` or a `default`.
 */
export function propertySchema(
  schema: Schema,
  key: string,
): Schema | undefined {
  let best: Schema | undefined;
  const score = (s: Schema) =>
    (isObject(s.properties) ? 2 : 0) +
    (isObject(s.items) ? 2 : 0) +
    (s.title ? 1 : 0);
  const walk = (s: Schema) => {
    const own = isObject(s.properties) ? s.properties[key] : undefined;
    if (isObject(own) && (!best || score(own) > score(best))) best = own;
    branches(s).forEach(walk);
  };
  walk(schema);
  return best;
}

/** Every property name that some `if` of the schema tests. */
export function conditionKeys(schemas: Schema[]): Set<string> {
  const keys = new Set<string>();
  const walk = (s: JsonValue | undefined) => {
    if (Array.isArray(s)) s.forEach(walk);
    if (!isObject(s)) return;
    if (isObject(s.if)) {
      propertyOrder(s.if).forEach(k => keys.add(k));
      if (Array.isArray(s.if.required))
        s.if.required.forEach(k => keys.add(String(k)));
    }
    Object.values(s).forEach(walk);
  };
  schemas.forEach(walk);
  return keys;
}

/** `value`'s keys in the order of `order`, unknown keys last in their own order. */
export function inOrder<T>(
  value: Record<string, T>,
  order: string[],
): Array<[string, T]> {
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return Object.entries(value)
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => rank(a.entry[0]) - rank(b.entry[0]) || a.i - b.i)
    .map(({ entry }) => entry);
}

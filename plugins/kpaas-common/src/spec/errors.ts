import { z } from 'zod/v3';
import { parseDocument } from 'yaml';

/**
 * One problem found in `cluster.yaml` (or the add-on catalog): the field it concerns as a
 * dotted path (`spec.network.podCidr`, `spec.target.hosts[1].address`) and a message that says
 * what is wrong and how to fix it.
 * @public
 */
export interface SpecValidationError {
  path: string;
  message: string;
  /** Id of the semantic rule that produced the error; absent for schema (shape) errors. */
  rule?: string;
}

/** Path used for problems of the document as a whole (YAML syntax, not an object). */
export const DOCUMENT_PATH = '(document)';

/**
 * `['spec', 'target', 'hosts', 1, 'address']` → `spec.target.hosts[1].address`.
 * @public
 */
export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || DOCUMENT_PATH;
}

/**
 * Turns a list of problems into a readable multi-line message, one problem per line, e.g. for a
 * scaffolder task log or an `InputError`.
 * @public
 */
export function formatSpecErrors(
  errors: ReadonlyArray<SpecValidationError>,
  source = 'cluster.yaml',
): string {
  if (errors.length === 0) return `${source} is valid`;
  const heading = `${source} has ${errors.length} problem${
    errors.length === 1 ? '' : 's'
  }:`;
  return [heading, ...errors.map(e => `  - ${e.path}: ${e.message}`)].join(
    '\n',
  );
}

/**
 * Reads YAML text (JSON is YAML too) into plain data, or reports the syntax errors with line and
 * column. Objects are passed through untouched.
 */
export function loadYamlOrObject(
  input: unknown,
): { ok: true; data: unknown } | { ok: false; errors: SpecValidationError[] } {
  if (typeof input !== 'string') return { ok: true, data: input };
  const doc = parseDocument(input, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map(e => {
        // Pretty messages end their first line with "at line L, column C:" and then quote the
        // source; keep just that first line.
        const summary = e.message.split('\n')[0].replace(/:$/, '').trim();
        return {
          path: DOCUMENT_PATH,
          message: `${summary}; fix the YAML syntax (indentation, quoting, duplicate keys) and try again`,
        };
      }),
    };
  }
  return { ok: true, data: doc.toJS() };
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    default:
      return `a ${expected}`;
  }
}

/**
 * Zod's default messages say what is wrong; these also say what to do. Messages set on a schema
 * (`.min(1, '…')`, `addIssue({ message })`) take precedence over this map.
 */
export const fixOrientedErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') {
        return {
          message: `is required; add it (${describeExpected(issue.expected)})`,
        };
      }
      if (issue.expected === 'integer') {
        return { message: `must be a whole number; remove the fraction` };
      }
      if (issue.expected === 'string' && issue.received === 'number') {
        return {
          message: `must be a string, not a number; quote the value in YAML (e.g. "1.0")`,
        };
      }
      return {
        message: `must be ${describeExpected(issue.expected)}, not ${
          issue.received
        }; change the value`,
      };
    case z.ZodIssueCode.invalid_enum_value:
      return {
        message: `"${String(
          issue.received,
        )}" is not allowed; use one of ${issue.options.map(String).join(', ')}`,
      };
    case z.ZodIssueCode.invalid_literal:
      return {
        message: `must be "${String(issue.expected)}"; set it to exactly that`,
      };
    case z.ZodIssueCode.invalid_union_discriminator:
      return {
        message: `must be one of ${issue.options
          .map(String)
          .join(', ')}; set it to one of them`,
      };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'array') {
        return {
          message: `needs at least ${issue.minimum} entr${
            issue.minimum === 1 ? 'y' : 'ies'
          }; add ${issue.minimum === 1 ? 'one' : 'more'}`,
        };
      }
      if (issue.type === 'string') {
        return issue.minimum === 1
          ? { message: 'must not be empty; fill it in' }
          : {
              message: `must be at least ${issue.minimum} characters long; lengthen it`,
            };
      }
      return {
        message: `must be at least ${issue.minimum}; raise it to ${issue.minimum} or more`,
      };
    case z.ZodIssueCode.too_big:
      if (issue.type === 'array') {
        return {
          message: `allows at most ${issue.maximum} entries; remove some`,
        };
      }
      if (issue.type === 'string') {
        return {
          message: `is longer than ${issue.maximum} characters; shorten it`,
        };
      }
      return {
        message: `must be at most ${issue.maximum}; lower it to ${issue.maximum} or less`,
      };
    default:
      return { message: `${ctx.defaultError}; correct the value` };
  }
};

/**
 * Converts Zod issues into field-named errors. An unknown key becomes one error per key, on the
 * key itself, so a typo such as `podCIDR` is reported where it is.
 */
export function zodIssuesToErrors(
  issues: ReadonlyArray<z.ZodIssue>,
): SpecValidationError[] {
  const errors: SpecValidationError[] = [];
  for (const issue of issues) {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const key of issue.keys) {
        errors.push({
          path: formatFieldPath([...issue.path, key]),
          message: `is not a known field; remove it or fix its spelling`,
        });
      }
    } else if (
      issue.code === z.ZodIssueCode.invalid_union &&
      issue.unionErrors.length > 0
    ) {
      // Report the errors of the closest alternative rather than "invalid input".
      const best = [...issue.unionErrors].sort(
        (a, b) => a.issues.length - b.issues.length,
      )[0];
      errors.push(...zodIssuesToErrors(best.issues));
    } else {
      errors.push({
        path: formatFieldPath(issue.path),
        message: issue.message,
      });
    }
  }
  return errors;
}

/** Drops repeated (path, message) pairs while keeping the first occurrence's order. */
export function uniqueErrors(
  errors: ReadonlyArray<SpecValidationError>,
): SpecValidationError[] {
  const seen = new Set<string>();
  return errors.filter(e => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

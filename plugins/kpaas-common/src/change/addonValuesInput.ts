import { parse } from 'yaml';
import { z } from 'zod/v3';
import { SpecValidationError } from '../spec/errors';

/** `addonValues` of a change request: add-on id → its new spec.addons[].values. @public */
export type AddonValuesRequest = Record<string, Record<string, unknown>>;

const addonValuesSchema = z.record(
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'an add-on id'),
  z.record(z.unknown(), {
    invalid_type_error:
      'the values of an add-on must be a mapping ({} clears them)',
  }),
);

/**
 * Reads the change's `addonValues` as the change form gives it (YAML or JSON text: a mapping of
 * add-on id to its new values, `{}` clearing them) or as an object (the action's input from
 * another template). Empty text or nothing is no values change. Errors name `addonValues`.
 * @public
 */
export function parseAddonValuesInput(
  input: unknown,
):
  | { ok: true; value: AddonValuesRequest | undefined }
  | { ok: false; errors: SpecValidationError[] } {
  const refused = (message: string) => ({
    ok: false as const,
    errors: [{ path: 'addonValues', message }],
  });
  let value = input;
  if (typeof input === 'string') {
    if (!input.trim()) return { ok: true, value: undefined };
    try {
      value = parse(input);
    } catch (e) {
      return refused(
        `not valid YAML (${
          (e as Error).message.split('\n')[0]
        }); write one add-on id per line with its values indented below it, e.g. "harbor:\\n  expose:\\n    type: clusterIP"`,
      );
    }
  }
  if (value === undefined || value === null)
    return { ok: true, value: undefined };
  const checked = addonValuesSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const at = issue.path.length > 0 ? ` at "${issue.path[0]}"` : '';
    return refused(
      issue.path.length === 0
        ? 'must be a mapping of add-on id to its new values, e.g. "harbor: { expose: { type: clusterIP } }" ({} clears an add-on\'s values)'
        : `${issue.message}${at}`,
    );
  }
  return { ok: true, value: checked.data };
}

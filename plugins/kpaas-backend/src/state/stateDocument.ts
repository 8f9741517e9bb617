import { InputError } from '@backstage/errors';

/** What kpaas reads from a Terraform state document (the rest stays opaque). */
export interface StateMeta {
  serial?: number;
  lineage?: string;
  /** Resource instances in the state. */
  resources?: number;
}

/** Serial, lineage and resource count of a state document; empty for a non-JSON document. */
export function stateMeta(document: string): StateMeta {
  try {
    const parsed = JSON.parse(document);
    return {
      serial: typeof parsed.serial === 'number' ? parsed.serial : undefined,
      lineage: typeof parsed.lineage === 'string' ? parsed.lineage : undefined,
      resources: Array.isArray(parsed.resources)
        ? parsed.resources.reduce(
            (n: number, r: { instances?: unknown[] }) =>
              n + (Array.isArray(r?.instances) ? r.instances.length : 0),
            0,
          )
        : undefined,
    };
  } catch {
    return {};
  }
}

/** Throws 400 unless `text` is a JSON object with a `version` field (a Terraform state). */
export function assertStateDocument(text: string): void {
  try {
    const parsed = JSON.parse(text);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      !('version' in parsed)
    ) {
      throw new Error('no "version" field');
    }
  } catch (e) {
    throw new InputError(`The body is not a Terraform state document: ${e}`);
  }
}

/** The document with its `serial` replaced (a restored version must be newer than the current). */
export function withSerial(document: string, serial: number): string {
  const parsed = JSON.parse(document);
  parsed.serial = serial;
  return `${JSON.stringify(parsed, null, 2)}\n`;
}

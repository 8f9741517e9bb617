import { structuredPatch } from 'diff';

/**
 * `diff -u` style text of `before` → `after` with `context` lines around each change, headed
 * `--- a/<file>` / `+++ b/<file>`; empty when the texts are equal. The hunks come from jsdiff.
 * @public
 */
export function unifiedDiff(
  before: string,
  after: string,
  options: { file?: string; context?: number } = {},
): string {
  const file = options.file ?? 'cluster.yaml';
  const { hunks } = structuredPatch(
    file,
    file,
    before,
    after,
    undefined,
    undefined,
    {
      context: options.context ?? 3,
    },
  );
  if (hunks.length === 0) return '';
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const hunk of hunks) {
    out.push(
      `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
      ...hunk.lines.filter(line => !line.startsWith('\\')),
    );
  }
  return `${out.join('\n')}\n`;
}

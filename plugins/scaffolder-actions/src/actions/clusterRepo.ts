import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  AddonCatalog,
  clusterOrderFormSchema,
  clusterSpecFromForm,
  clusterSummary,
  derivePlatformLinks,
  formatOrderFormErrors,
  formatSpecErrors,
  parseAddonCatalog,
  renderClusterYaml,
} from '@internal/plugin-kpaas-common';
import { resolveRepoPath } from '../workspace/resolveRepoPath';
import { writeDerivedFiles } from '../core/loadClusterRepo';
import { examples } from './clusterRepo.examples';

/** The shipped values pack: this repository's root (values/addons.yaml). */
// eslint-disable-next-line no-restricted-syntax -- the values pack ships next to the plugin
const DEFAULT_VALUES_PACK_DIR = path.resolve(__dirname, '../../../..');

/** Options of kpaas:cluster-repo. @public */
export interface ClusterRepoActionOptions {
  /** Folder holding values/addons.yaml (the add-on catalog); default: the kpaas repository root. */
  valuesPackDir?: string;
}

function readCatalog(valuesPackDir: string): AddonCatalog {
  const file = path.join(valuesPackDir, 'values/addons.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      `the add-on catalog ${file} cannot be read; configure createClusterRepoAction({ valuesPackDir })`,
    );
  }
  const parsed = parseAddonCatalog(text);
  if (!parsed.ok) throw new InputError(formatSpecErrors(parsed.errors, file));
  return parsed.catalog;
}

/**
 * `kpaas:cluster-repo`: turns the kpaas-cluster order form into the cluster repository's
 * cluster.yaml (and the hosts snippet derived from it), checked with the add-on catalog before
 * anything is written, and outputs the order's summary in Markdown for the review pull request
 * and the task's output. Everything comes from kpaas-common (clusterSpecFromForm,
 * renderClusterYaml, renderHostsSnippet, clusterSummary); the template holds no model logic.
 *
 * @public
 */
export function createClusterRepoAction(
  options: ClusterRepoActionOptions = {},
) {
  return createTemplateAction({
    id: 'kpaas:cluster-repo',
    description:
      'Writes cluster.yaml (and hosts.snippet) of a new kpaas cluster repository from the order form, checked with the add-on catalog (every problem at once, by form field, before anything is written), and outputs the order summary in Markdown',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        form: () =>
          clusterOrderFormSchema.describe(
            'The kpaas-cluster order form values (`${{ parameters }}`); other keys are ignored',
          ),
        repoPath: z =>
          z
            .string({
              description:
                'Folder of the cluster repository in the workspace (cluster.yaml goes there)',
            })
            .default('.'),
      },
      output: {
        clusterName: z =>
          z.string({
            description: 'metadata.name of the written cluster.yaml',
          }),
        addons: z =>
          z.array(z.string(), {
            description:
              'The add-ons cluster.yaml lists: the chosen ones and their dependencies, in catalog order',
          }),
        links: z =>
          z.array(
            z.object({ title: z.string(), url: z.string(), icon: z.string() }),
            {
              description:
                "Links to the platform UIs of the cluster's add-ons (derivePlatformLinks), for the catalog entry",
            },
          ),
        summary: z =>
          z.string({
            description:
              'The order in Markdown: Kubernetes build, resource totals, nodes and addresses ("assigned at apply" where only Terraform knows them), endpoints, add-ons',
          }),
      },
    },
    async handler(ctx) {
      const form = clusterOrderFormSchema.safeParse(ctx.input.form);
      if (!form.success) {
        throw new InputError(
          `form: ${form.error.issues
            .map(i => `${i.path.join('.') || '(form)'}: ${i.message}`)
            .join('; ')}; pass the order form's values (\${{ parameters }})`,
        );
      }
      const repoPath = ctx.input.repoPath ?? '.';
      const dir = resolveRepoPath(ctx.workspacePath, repoPath);
      const catalog = readCatalog(
        options.valuesPackDir ?? DEFAULT_VALUES_PACK_DIR,
      );

      const result = clusterSpecFromForm(form.data, catalog);
      if (!result.ok) {
        throw new InputError(
          `the order cannot become a cluster.yaml; fix these fields:\n${formatOrderFormErrors(
            result.errors,
          )}`,
        );
      }
      const { spec, implied } = result;

      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'cluster.yaml'),
        renderClusterYaml(spec, { implied }),
      );
      writeDerivedFiles(dir, spec, catalog);
      ctx.logger.info(
        `wrote cluster.yaml and hosts.snippet of cluster ${
          spec.metadata.name
        } (${spec.spec.target.type}) to ${repoPath}${
          implied.length ? `; added dependencies: ${implied.join(', ')}` : ''
        }`,
      );

      ctx.output('clusterName', spec.metadata.name);
      ctx.output(
        'addons',
        spec.spec.addons.map(a => a.id),
      );
      ctx.output(
        'links',
        derivePlatformLinks(spec, catalog).map(({ title, url, icon }) => ({
          title,
          url,
          icon,
        })),
      );
      ctx.output('summary', clusterSummary(spec, { catalog, implied }));
    },
  });
}

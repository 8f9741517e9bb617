/*
 * Template dry-runs through the real scaffolder backend (tests and bench/template-dryrun only):
 * the scaffolder plugin, the GitHub, Gitea and kpaas modules in a test backend, and
 * POST /api/scaffolder/v2/dry-run with the template's directory read from disk.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { openMemorySqlite } from '@internal/kpaas-testkit';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import giteaModule from '@backstage/plugin-scaffolder-backend-module-gitea';
import githubModule from '@backstage/plugin-scaffolder-backend-module-github';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { scaffolderModuleKpaas } from '../../module';

/** Repository root (this file is plugins/scaffolder-actions/src/templates/__testUtils__/). */
// eslint-disable-next-line no-restricted-syntax -- tests and bench only: run from source, never built
export const repoRoot = path.resolve(__dirname, '../../../../..');
export const templatesDir = path.join(repoRoot, 'templates');

export interface DirectoryFile {
  path: string;
  base64Content: string;
}

/** Every file under `dir` (relative POSIX paths), as the dry-run API wants them. */
export function readDirectoryContents(dir: string): DirectoryFile[] {
  const out: DirectoryFile[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), {
      withFileTypes: true,
    })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        out.push({
          path: child,
          base64Content: fs
            .readFileSync(path.join(dir, child))
            .toString('base64'),
        });
      }
    }
  };
  walk('');
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** template.yaml of a template folder, parsed (YAML anchors resolved). */
export function loadTemplate(name: string): any {
  return yaml.parse(
    fs.readFileSync(path.join(templatesDir, name, 'template.yaml'), 'utf8'),
  );
}

/** kpaas actions that only write files from the form (no machines, no kpaas-backend). */
const FILE_ONLY_KPAAS_ACTIONS = ['kpaas:cluster-repo'];

/**
 * The template without the kpaas steps that reach machines or kpaas-backend (provision,
 * bootstrap, add-ons); kpaas:cluster-repo, which writes cluster.yaml from the form, stays.
 * Everything else runs as written.
 */
export function withoutKpaasSteps(template: any): any {
  return {
    ...template,
    spec: {
      ...template.spec,
      steps: template.spec.steps.filter(
        (step: any) =>
          !String(step.action).startsWith('kpaas:') ||
          FILE_ONLY_KPAAS_ACTIONS.includes(step.action),
      ),
    },
  };
}

export interface DryRunResult {
  status: number;
  body: any;
  /** Rendered workspace: path → UTF-8 content */
  files: Map<string, string>;
  /** Every log line of the run, joined */
  logText: string;
}

export interface DryRunner {
  dryRun(input: {
    template: any;
    values: Record<string, unknown>;
    secrets?: Record<string, string>;
    directoryContents: DirectoryFile[];
  }): Promise<DryRunResult>;
  stop(): Promise<void>;
}

/** The on-premises Gitea host of the dry runs (publish:gitea skips itself in a dry run). */
export const GITEA_HOST = 'git.k-paas.test';

/**
 * Starts the scaffolder backend once (scaffolder, GitHub, Gitea and kpaas modules); each dryRun is
 * one HTTP request to it.
 */
export async function startDryRunner(): Promise<DryRunner> {
  // Destroyed after the backend stops: the default database service leaves SQLite pools open,
  // which kept `npm run bench -- template-dryrun` from exiting.
  const knex = openMemorySqlite();
  const backend = await startTestBackend({
    features: [
      mockServices.database.factory({ knex }),
      scaffolderPlugin,
      githubModule,
      giteaModule,
      // the template needs the module's scmType filter even with the kpaas steps removed
      scaffolderModuleKpaas,
      catalogServiceMock.factory(),
      mockServices.rootConfig.factory({
        data: {
          // publish:github:pull-request builds its client before honouring dry-run
          integrations: {
            github: [{ host: 'github.com', token: 'dry-run-no-network' }],
            gitea: [
              {
                host: GITEA_HOST,
                baseUrl: `https://${GITEA_HOST}`,
                username: 'kpaas',
                password: 'dry-run-no-network',
              },
            ],
          },
        },
      }),
    ],
  });
  return {
    async dryRun(input) {
      const res = await request(backend.server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', mockCredentials.user.header())
        .send(input);
      const files = new Map<string, string>();
      for (const file of res.body?.directoryContents ?? []) {
        files.set(
          file.path,
          Buffer.from(file.base64Content, 'base64').toString('utf8'),
        );
      }
      const logText = (res.body?.log ?? [])
        .map((entry: any) => entry.body?.message ?? '')
        .join('\n');
      return { status: res.status, body: res.body, files, logText };
    },
    async stop() {
      await backend.stop();
      await knex.destroy();
    },
  };
}

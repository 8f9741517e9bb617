import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/*
 * The environment of every process the kpaas actions start (terraform, vagrant, and anything
 * added later). It is built from an allow-list, never from the backend's whole environment:
 * the backend holds BACKEND_SECRET, the database password and KPAAS_ENCRYPTION_KEY, and
 * Terraform runs code from the cluster repository (local-exec, external data sources,
 * providers).
 */

/** Taken from the backend's environment when set: the tools need them to run at all. */
export const BASE_VARIABLES = [
  'PATH',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
] as const;

/** Proxy settings, both spellings: providers and cloud APIs honour them. */
export const PROXY_VARIABLES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
] as const;

/** Set per run, never taken from the backend: they point into the run's own folder. */
const PER_RUN = new Set(['HOME', 'TMPDIR', 'TMP', 'TEMP']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

declare const childEnvBrand: unique symbol;

/**
 * An environment built by {@link buildChildEnv}. `runProcess` takes only this type, so a child
 * process cannot be started with `process.env` or a spread of it.
 */
export type ChildEnv = Readonly<Record<string, string>> & {
  readonly [childEnvBrand]: true;
};

export interface ChildEnvOptions {
  /** The backend's environment, read only for the allow-listed names (default process.env). */
  from?: NodeJS.ProcessEnv;
  /**
   * The run's private folder (mode 0700): HOME is `<runDir>/home` and TMPDIR `<runDir>/tmp`,
   * created here. The caller removes runDir when the run ends.
   */
  runDir: string;
  /** Extra names taken from `from` (`kpaas.actions.environment.passthrough`). */
  passthrough?: readonly string[];
  /** Exactly the variables the action sets for this child (undefined values are left out). */
  set?: Record<string, string | undefined>;
}

/** `kpaas.actions.environment.passthrough`, checked: names only, never HOME/TMPDIR. */
export function passthroughFromConfig(config?: Config): string[] {
  const key = 'kpaas.actions.environment.passthrough';
  const names = config?.getOptionalStringArray(key) ?? [];
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new InputError(
        `${key}: "${name}" is not an environment variable name; list names such as TF_PLUGIN_CACHE_DIR (no wildcards, no values)`,
      );
    }
    if (PER_RUN.has(name)) {
      throw new InputError(
        `${key}: ${name} is set per run (a private folder of the run) and cannot be passed through`,
      );
    }
  }
  return names;
}

/**
 * The environment for one child process: PATH, locale and TZ, proxy variables and the
 * configured extras from the backend's environment; a per-run HOME and TMPDIR; and the
 * variables the action sets. Nothing else of the backend's environment.
 */
export function buildChildEnv(options: ChildEnvOptions): ChildEnv {
  const from = options.from ?? process.env;
  const env: Record<string, string> = {};
  for (const name of [
    ...BASE_VARIABLES,
    ...PROXY_VARIABLES,
    ...(options.passthrough ?? []),
  ]) {
    if (PER_RUN.has(name)) continue;
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  const home = path.join(options.runDir, 'home');
  const tmp = path.join(options.runDir, 'tmp');
  for (const dir of [home, tmp])
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  Object.assign(env, { HOME: home, TMPDIR: tmp, TMP: tmp, TEMP: tmp });
  for (const [name, value] of Object.entries(options.set ?? {})) {
    if (!NAME.test(name)) {
      throw new Error(`child environment: "${name}" is not a variable name`);
    }
    if (value !== undefined) env[name] = value;
  }
  return Object.freeze(env) as ChildEnv;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { buildChildEnv, passthroughFromConfig } from './childEnv';

describe('buildChildEnv', () => {
  let runDir: string;
  beforeEach(() => {
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-childenv-'));
  });
  afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

  const backend = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    HOME: '/root',
    TMPDIR: '/var/tmp',
    HTTPS_PROXY: 'http://proxy.internal:3128',
    no_proxy: '10.0.0.0/8,.internal',
    BACKEND_SECRET: 'canary-backend-secret',
    POSTGRES_PASSWORD: 'canary-postgres',
    KPAAS_ENCRYPTION_KEY: 'canary-key',
    AWS_SECRET_ACCESS_KEY: 'canary-aws',
    TF_PLUGIN_CACHE_DIR: '/var/cache/terraform',
    TF_VAR_application_credential_secret: 'from-the-backend-env',
  };

  it('keeps only the allow-list, a per-run HOME/TMPDIR and what the action sets', () => {
    const env = buildChildEnv({
      from: backend,
      runDir,
      set: { TF_INPUT: '0', TF_HTTP_PASSWORD: 'state-pass', UNSET: undefined },
    });
    expect(env).toEqual({
      PATH: backend.PATH,
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      HTTPS_PROXY: backend.HTTPS_PROXY,
      no_proxy: backend.no_proxy,
      HOME: path.join(runDir, 'home'),
      TMPDIR: path.join(runDir, 'tmp'),
      TMP: path.join(runDir, 'tmp'),
      TEMP: path.join(runDir, 'tmp'),
      TF_INPUT: '0',
      TF_HTTP_PASSWORD: 'state-pass',
    });
    expect(fs.statSync(env.HOME).mode & 0o777).toBe(0o700);
    expect(fs.statSync(env.TMPDIR).isDirectory()).toBe(true);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('passes configured extras through, and the action’s values win', () => {
    const passthrough = passthroughFromConfig(
      new ConfigReader({
        kpaas: {
          actions: {
            environment: {
              passthrough: [
                'TF_PLUGIN_CACHE_DIR',
                'TF_VAR_application_credential_secret',
              ],
            },
          },
        },
      }),
    );
    const env = buildChildEnv({
      from: backend,
      runDir,
      passthrough,
      set: { TF_VAR_application_credential_secret: 'the task secret' },
    });
    expect(env.TF_PLUGIN_CACHE_DIR).toBe('/var/cache/terraform');
    expect(env.TF_VAR_application_credential_secret).toBe('the task secret');
    expect(env.BACKEND_SECRET).toBeUndefined();
  });

  it.each([
    ['TF_*', 'is not an environment variable name'],
    ['A=B', 'is not an environment variable name'],
    ['HOME', 'is set per run'],
    ['TMPDIR', 'is set per run'],
  ])('refuses passthrough entry %s naming the key', (name, message) => {
    const config = new ConfigReader({
      kpaas: { actions: { environment: { passthrough: [name] } } },
    });
    expect(() => passthroughFromConfig(config)).toThrow(
      /kpaas\.actions\.environment\.passthrough/,
    );
    expect(() => passthroughFromConfig(config)).toThrow(message);
  });

  it('without config there are no extras', () => {
    expect(passthroughFromConfig(undefined)).toEqual([]);
    expect(passthroughFromConfig(new ConfigReader({}))).toEqual([]);
  });
});

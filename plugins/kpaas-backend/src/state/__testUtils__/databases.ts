import type { Knex } from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import {
  postgresUnavailableReason,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';

/**
 * Declares `tests` twice: on SQLite and on a throwaway real PostgreSQL server (skipped with a
 * visible warning when no PostgreSQL binaries are installed).
 */
export function describeOnDatabases(
  title: string,
  tests: (getKnex: () => Promise<Knex>) => void,
): void {
  const sqlite = TestDatabases.create({ ids: ['SQLITE_3'] });
  describe(`${title} on SQLite`, () => {
    tests(() => sqlite.init('SQLITE_3'));
  });

  const pgUnavailable = postgresUnavailableReason();
  if (pgUnavailable) {
    // eslint-disable-next-line no-console
    console.warn(
      `Skipping the PostgreSQL half of "${title}": ${pgUnavailable}`,
    );
  }
  const describePg = pgUnavailable ? describe.skip : describe;
  describePg(`${title} on PostgreSQL (throwaway server)`, () => {
    let pg: TestPostgres;
    beforeAll(async () => {
      const started = await startTestPostgres();
      if ('skipped' in started) throw new Error(started.skipped);
      pg = started;
    });
    afterAll(async () => {
      await pg?.stop();
    });
    tests(() => pg.createDatabase());
  });
}

/** `Authorization` header of a state credential. */
export const basic = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** A Terraform state document (optionally with extra resource attributes). */
export const stateDoc = (
  serial: number,
  lineage = 'lin-1',
  attributes: Record<string, unknown> = {},
) =>
  JSON.stringify({
    version: 4,
    terraform_version: '1.11.0',
    serial,
    lineage,
    outputs: {},
    resources: [
      {
        mode: 'managed',
        type: 'null_resource',
        name: `r${serial}`,
        instances: [{ attributes: { id: String(serial), ...attributes } }],
      },
    ],
  });

/** Terraform's lock info. */
export const lockInfo = (id: string, who = 'runner@host') => ({
  ID: id,
  Operation: 'OperationTypeApply',
  Info: '',
  Who: who,
  Version: '1.11.0',
  Created: '2026-11-21T10:00:00.000000Z',
  Path: '',
});

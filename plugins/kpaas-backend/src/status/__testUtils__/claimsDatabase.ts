import knexFactory, { Knex } from 'knex';
import path from 'node:path';

/**
 * A database with kpaas-backend's migrations applied: `db` (e.g. a throwaway PostgreSQL from
 * the test kit) or else an in-memory SQLite, as the development backend uses.
 */
export async function claimsDatabase(db?: Knex): Promise<Knex> {
  const knex =
    db ??
    knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
  await knex.migrate.latest({
    directory: path.resolve(__dirname, '../../../migrations'),
  });
  return knex;
}

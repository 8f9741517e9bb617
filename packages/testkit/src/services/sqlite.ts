/*
 * An in-memory SQLite database for a test or bench backend (mockServices.database.factory({ knex })).
 * Backstage's default database service never destroys SQLite connections on shutdown (its
 * DatabaseManager skips them), so the knex pool's reaping interval keeps a process that started a
 * backend alive after backend.stop(); whoever opens this destroys it after stopping the backend.
 *
 *   const knex = openMemorySqlite();
 *   const backend = await startTestBackend({ features: [..., mockServices.database.factory({ knex })] });
 *   await backend.stop();
 *   await knex.destroy();
 */
import knexFactory, { Knex } from 'knex';

export function openMemorySqlite(): Knex {
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
  });
}

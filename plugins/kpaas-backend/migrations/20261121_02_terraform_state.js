/*
 * Terraform `http` state backend of kpaas (src/state): state versions, the lock, and the
 * per-run basic-auth credentials Terraform presents. Works on SQLite and PostgreSQL.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('kpaas_terraform_state', table => {
    table.comment('Terraform state of each cluster; the newest N versions are kept');
    table.string('cluster', 63).notNullable();
    table.integer('version').notNullable().comment('1, 2, ... per cluster');
    table.bigInteger('serial').nullable().comment('Terraform state serial');
    table.string('lineage', 64).nullable().comment('Terraform state lineage');
    table.text('state').notNullable().comment('The state document (JSON) as Terraform sent it');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.primary(['cluster', 'version']);
  });

  await knex.schema.createTable('kpaas_terraform_lock', table => {
    table.comment('Held Terraform state locks (at most one per cluster)');
    table.string('cluster', 63).primary().notNullable();
    table.string('lock_id', 128).notNullable();
    table.text('info').notNullable().comment('Lock info JSON as Terraform sent it (ID, Who, Operation, Created, ...)');
    table.string('username', 128).nullable().comment('Credential that took the lock');
    table.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('kpaas_terraform_credentials', table => {
    table.comment('Basic-auth credentials for the state backend; only a SHA-256 of the secret is stored');
    table.string('username', 128).primary().notNullable();
    table.string('cluster', 63).notNullable();
    table.string('secret_hash', 64).notNullable().comment('hex SHA-256 of the 32-byte random secret');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.index(['cluster'], 'kpaas_terraform_credentials_cluster_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kpaas_terraform_credentials');
  await knex.schema.dropTable('kpaas_terraform_lock');
  await knex.schema.dropTable('kpaas_terraform_state');
};

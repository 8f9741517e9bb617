/*
 * kpaas cluster registry and provisioning timeline. Works on SQLite and PostgreSQL.
 * Credentials are stored only as AES-256-GCM ciphertext (see src/crypto/CredentialCipher.ts).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('kpaas_clusters', table => {
    table.comment(
      'Clusters registered with kpaas (the scaffolder registers them after bootstrap)',
    );
    table
      .string('name', 63)
      .primary()
      .notNullable()
      .comment('DNS-1123 cluster name');
    table
      .string('entity_ref')
      .nullable()
      .comment('Catalog entity of the cluster');
    table.text('api_server_url').notNullable();
    table
      .text('ca_data')
      .nullable()
      .comment('PEM CA certificate of the API server (public)');
    table
      .text('credential_ciphertext')
      .notNullable()
      .comment(
        '<keyId>:<iv>:<tag>:<ciphertext> of the ServiceAccount token, base64 parts',
      );
    table.text('spec').nullable().comment('ClusterSpec as JSON');
    table.string('source', 16).notNullable().defaultTo('registered');
    table
      .string('task_id')
      .nullable()
      .comment('Scaffolder task that registered it');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('kpaas_timeline', table => {
    table.comment('Provisioning timeline: one row per phase step');
    table.bigIncrements('id').primary();
    // No foreign key: the provision phase writes entries before the cluster is registered.
    table.string('cluster', 63).notNullable();
    table.string('phase', 32).notNullable();
    table.string('step', 128).notNullable();
    table.string('status', 16).notNullable();
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.text('summary').nullable();
    table.string('task_id').nullable();
    table.index(['cluster', 'started_at'], 'kpaas_timeline_cluster_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kpaas_timeline');
  await knex.schema.dropTable('kpaas_clusters');
};

/*
 * Clusters retired through kpaas (POST /clusters/:name/retire): the registration as it was, kept
 * for the record after the live entry is deleted. Never a credential: the ServiceAccount token
 * and the CA stay out (the CA as its fingerprint).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('kpaas_retired_clusters', table => {
    table.comment('Retired clusters: their registrations, kept for the record');
    table.increments('id').primary();
    table.string('cluster', 63).notNullable().comment('DNS-1123 cluster name');
    table
      .text('registration')
      .notNullable()
      .comment(
        'ClusterRegistration as JSON (no credential, CA as fingerprint)',
      );
    table
      .text('inventory')
      .nullable()
      .comment('InventoryNode[] as JSON, the machines it had (no secrets)');
    table
      .string('task_id', 255)
      .nullable()
      .comment('Scaffolder task that retired it');
    table
      .string('retired_by', 255)
      .nullable()
      .comment('User entity ref of the initiator');
    table.timestamp('retired_at', { useTz: true }).notNullable();
    table.index(['cluster'], 'kpaas_retired_clusters_cluster_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kpaas_retired_clusters');
};

/*
 * Status refresh claims: which replica refreshes a cluster's status now, and when it is due
 * next. One row per cluster; a replica claims a due row atomically, so each cluster is
 * refreshed once per interval across all replicas (src/status/RefreshClaims.ts).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('kpaas_status_refresh', table => {
    table.comment(
      'Per-cluster status refresh schedule and claim, shared by replicas',
    );
    table.string('cluster', 63).primary().notNullable().comment('Cluster name');
    table
      .bigInteger('next_due_ms')
      .notNullable()
      .comment('Epoch ms from which the next refresh may start');
    table
      .integer('failures')
      .notNullable()
      .defaultTo(0)
      .comment('Consecutive unreachable/stale refreshes (exponential backoff)');
    table
      .string('claimed_by', 255)
      .nullable()
      .comment('Replica computing the status now');
    table
      .bigInteger('claim_expires_ms')
      .nullable()
      .comment('Epoch ms after which a claim of a dead replica is taken over');
    table.index(['next_due_ms'], 'kpaas_status_refresh_due_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kpaas_status_refresh');
};

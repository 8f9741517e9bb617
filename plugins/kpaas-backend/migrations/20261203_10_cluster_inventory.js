/*
 * The machines of each cluster (kpaas:provision writes them, kpaas:bootstrap adds the host keys
 * it verified, kpaas:bootstrap and kpaas:addons read them by cluster name).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('kpaas_cluster_inventory', table => {
    table.comment(
      'Machines of a cluster: names, roles, addresses, SSH, host keys',
    );
    table
      .string('cluster', 63)
      .primary()
      .notNullable()
      .comment('DNS-1123 cluster name');
    table
      .text('nodes')
      .notNullable()
      .comment(
        'InventoryNode[] as JSON (no secrets: addresses and host key fingerprints)',
      );
    table
      .string('task_id', 255)
      .nullable()
      .comment('Scaffolder task that last wrote the machines');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kpaas_cluster_inventory');
};

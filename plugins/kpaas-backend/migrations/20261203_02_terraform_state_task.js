/*
 * The scaffolder task whose state credential wrote each Terraform state version, so a retried
 * order (same task) is not refused as a reuse of a name that already has state.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kpaas_terraform_state', table => {
    table
      .string('task_id', 128)
      .nullable()
      .comment('Scaffolder task of the credential that wrote the version');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kpaas_terraform_state', table => {
    table.dropColumn('task_id');
  });
};

/*
 * Terraform state at rest and its lifecycle (src/state): documents are encrypted (the `state`
 * column holds `v1:<keyId>:...` ciphertext; rows written before this migration are encrypted
 * when the plugin starts), DELETE and cluster deletion archive instead of erasing, locks have a
 * lease and record who holds them for which task. Works on SQLite and PostgreSQL.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kpaas_terraform_state', table => {
    table
      .timestamp('archived_at', { useTz: true })
      .nullable()
      .comment(
        'Set when DELETE or cluster deletion archived the version; purged after the retention',
      );
    table.integer('size').nullable().comment('Bytes of the plaintext document');
    table
      .integer('resources')
      .nullable()
      .comment('Resource instances in the document');
    table
      .string('written_by', 255)
      .nullable()
      .comment('Credential username or principal that wrote it');
  });

  await knex.schema.alterTable('kpaas_terraform_lock', table => {
    table
      .timestamp('expires_at', { useTz: true })
      .nullable()
      .comment('End of the lease; an expired lock is free for the next locker');
    table
      .string('task_id', 128)
      .nullable()
      .comment('Scaffolder task of the credential that locked');
    table
      .string('principal', 255)
      .nullable()
      .comment('Who was issued the credential that locked');
  });
  // Locks taken before leases existed get one lease (5 minutes) from now.
  await knex('kpaas_terraform_lock').update({
    expires_at: new Date(Date.now() + 300_000),
  });

  await knex.schema.alterTable('kpaas_terraform_credentials', table => {
    table
      .string('task_id', 128)
      .nullable()
      .comment('Scaffolder task the credential was issued for');
    table
      .string('issued_by', 255)
      .nullable()
      .comment('User entity ref or service subject that asked for it');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kpaas_terraform_credentials', table => {
    table.dropColumn('task_id');
    table.dropColumn('issued_by');
  });
  await knex.schema.alterTable('kpaas_terraform_lock', table => {
    table.dropColumn('expires_at');
    table.dropColumn('task_id');
    table.dropColumn('principal');
  });
  await knex.schema.alterTable('kpaas_terraform_state', table => {
    table.dropColumn('archived_at');
    table.dropColumn('size');
    table.dropColumn('resources');
    table.dropColumn('written_by');
  });
};

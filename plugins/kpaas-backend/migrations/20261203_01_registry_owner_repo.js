/*
 * Who owns a cluster and which repo it comes from, both recorded at registration:
 * - owner: metadata.owner of the cluster's spec as a full entity ref (the IS_CLUSTER_OWNER rule);
 * - repo_url: the cluster repo, normalized (https, lower-case host, no trailing ".git" or "/");
 *   runs on an existing cluster must come from it.
 * Deleting a cluster archives its timeline instead of erasing it (archived_at).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kpaas_clusters', table => {
    table
      .string('owner')
      .nullable()
      .comment('Entity ref of the owner, e.g. group:default/team');
    table.text('repo_url').nullable().comment('Normalized cluster repo URL');
  });
  await knex.schema.alterTable('kpaas_timeline', table => {
    table
      .timestamp('archived_at', { useTz: true })
      .nullable()
      .comment('Set when the cluster was deleted; archived entries are kept');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kpaas_timeline', table => {
    table.dropColumn('archived_at');
  });
  await knex.schema.alterTable('kpaas_clusters', table => {
    table.dropColumn('repo_url');
    table.dropColumn('owner');
  });
};

import * as k8s from '@kubernetes/client-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import { readClusterInventory } from '../backendClient';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { RunRecorder } from '../core/runRecorder';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
} from '../etcd/controlPlanes';
import { adminKubeConfig } from '../nodes/kubeClient';
import { nodesLeaving } from '../nodes/leaving';
import { removeNode } from '../nodes/removeNode';
import { connectNode, readTaskPrivateKey, SshNodeSession } from '../ssh';
import { examples } from './removeNodes.examples';

/** Factory options of kpaas:remove-nodes (the module's services). */
export type RemoveNodesActionOptions = ControlPlaneActionOptions;

/**
 * `kpaas:remove-nodes`: the first half of a scale-down, run before kpaas:provision in the apply
 * template. The nodes that leave are the cluster's nodes in its stored inventory that
 * cluster.yaml no longer lists (newest first); each, one at a time, is cordoned and drained
 * through the Eviction API (PodDisruptionBudgets honoured, `drainTimeoutSeconds`), reset on
 * the machine (`kubeadm reset -f` over SSH), deleted from the API and taken out of the
 * inventory. Only then may kpaas:provision destroy its machine. A drain a budget blocks stops
 * the run naming the pods; the node is uncordoned and stays. A re-run skips the nodes done.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createRemoveNodesAction(options: RemoveNodesActionOptions) {
  const { client, guard } = controlPlaneActionDeps(options);
  return createTemplateAction({
    id: 'kpaas:remove-nodes',
    description:
      'Drains (Eviction API, PodDisruptionBudgets honoured), resets and deletes the workers cluster.yaml no longer lists, and takes them out of the inventory, before kpaas:provision destroys their machines',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo in the workspace (cluster.yaml)',
            })
            .default('.'),
        repoUrl: z =>
          z
            .string({
              description:
                'The repository the workspace was fetched from; must be the registered one',
            })
            .optional(),
        sshUser: z =>
          z
            .string({ description: 'SSH user on the nodes (sudo for kubeadm)' })
            .default('ubuntu'),
        drainTimeoutSeconds: z =>
          z
            .number({
              description:
                'How long each drain may wait for PodDisruptionBudgets and terminating pods before it stops, naming the pods that block it',
            })
            .int()
            .min(1)
            .max(4 * 3600)
            .default(600),
        apiServerUrl: z =>
          z
            .string({
              description:
                "API server URL to use instead of the one in the control plane's admin.conf (when kpaas cannot reach that one)",
            })
            .url()
            .optional(),
      },
      output: {
        clusterName: z => z.string({ description: 'metadata.name' }),
        removed: z =>
          z.array(z.string(), {
            description:
              'Nodes drained, reset, deleted from the API and taken out of the inventory (newest first)',
          }),
        evicted: z =>
          z.array(z.string(), {
            description: 'Pods evicted from them (namespace/name)',
          }),
        phaseTimings: z =>
          z.array(z.object({ phase: z.string(), seconds: z.number() }), {
            description:
              'Wall time of each step (drain, reset, delete per node)',
          }),
      },
    },
    async handler(ctx) {
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath ?? '.',
      });
      const cluster = repo.spec.metadata.name;
      const taskId = ctx.task?.id;
      await guard.authorize({
        action: 'kpaas:remove-nodes',
        cluster,
        newCluster: false,
        repoUrl: ctx.input.repoUrl,
        taskId,
        isDryRun: ctx.isDryRun,
        credentials: await ctx.getInitiatorCredentials(),
      });
      ctx.output('clusterName', cluster);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `dry run: the workers leaving "${cluster}" are read from its inventory in kpaas-backend when the task runs; nothing was contacted`,
        );
        ctx.output('removed', []);
        ctx.output('evicted', []);
        ctx.output('phaseTimings', []);
        return;
      }
      // a first order has no inventory yet: nothing can leave
      const stored = await client.getInventory(cluster, taskId, ctx.signal);
      const inventory: InventoryNode[] = stored?.nodes ?? [];
      const leaving = nodesLeaving(repo.spec, inventory);
      if (leaving.length === 0) {
        ctx.logger.info(`no node leaves cluster "${cluster}"`);
        ctx.output('removed', []);
        ctx.output('evicted', []);
        ctx.output('phaseTimings', []);
        return;
      }
      ctx.logger.info(
        `nodes leaving cluster "${cluster}" (newest first): ${leaving
          .map(n => n.name)
          .join(', ')}`,
      );

      const recorder = new RunRecorder({
        phase: 'remove-nodes',
        cluster,
        client,
        logger: ctx.logger,
        taskId,
      });
      const privateKey = readTaskPrivateKey(ctx.secrets);
      recorder.addSecret(privateKey);
      recorder.addSecret(ctx.secrets?.sshPassphrase);
      const connect = (node: InventoryNode) =>
        connectNode(
          {
            name: node.name,
            host: node.address,
            port: node.port,
            user: node.user ?? ctx.input.sshUser ?? 'ubuntu',
            hostKeyFingerprint: node.hostKeyFingerprint,
          },
          {
            privateKey,
            passphrase: ctx.secrets?.sshPassphrase,
            logger: recorder.logger,
            masker: recorder.masker,
            signal: ctx.signal,
          },
        );

      const cp = (
        await readClusterInventory(client, cluster, {
          taskId,
          signal: ctx.signal,
          action: 'kpaas:remove-nodes',
        })
      ).find(n => n.role === 'control-plane')!;
      const sessions: SshNodeSession[] = [];
      const removed: string[] = [];
      const evicted: string[] = [];
      try {
        const cpSession = await connect(cp);
        sessions.push(cpSession);
        const kc = await adminKubeConfig(cpSession, ctx.input.apiServerUrl);
        const core = kc.makeApiClient(k8s.CoreV1Api);
        let remaining = inventory;
        for (const node of leaving) {
          const done = await ctx.checkpoint({
            key: `kpaas.remove-nodes.v1.${cluster}.${node.name}`,
            fn: async () => {
              const session = await connect(node);
              sessions.push(session);
              const result = await removeNode({
                core,
                node,
                session,
                drainTimeoutMs: (ctx.input.drainTimeoutSeconds ?? 600) * 1000,
                recorder,
                signal: ctx.signal,
              });
              session.close();
              // out of the inventory last: only now may kpaas:provision destroy the machine
              await recorder.phase(`inventory ${node.name}`, async () => {
                remaining = remaining.filter(n => n.name !== node.name);
                await client.putInventory(cluster, {
                  taskId,
                  nodes: remaining,
                });
              });
              return { evicted: result.evicted };
            },
          });
          remaining = remaining.filter(n => n.name !== node.name);
          removed.push(node.name);
          evicted.push(...done.evicted);
        }
      } finally {
        for (const s of sessions) s.close();
      }
      ctx.logger.info(
        `removed from cluster "${cluster}": ${removed.join(
          ', ',
        )}; kpaas:provision destroys their machines next`,
      );
      ctx.output('removed', removed);
      ctx.output('evicted', evicted);
      ctx.output('phaseTimings', recorder.phaseTimings);
    },
  });
}

import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import * as k8s from '@kubernetes/client-node';
import {
  DEFAULT_UPGRADE_MAX_UNAVAILABLE,
  deriveEndpoints,
  deriveInventory,
  formatUpgradeRollout,
  planKubernetesUpgrade,
} from '@internal/plugin-kpaas-common';
import { readClusterInventory } from '../backendClient';
import { endpointsWithInventory } from '../bootstrap/load';
import { adminKubeConfig } from '../bootstrap/kube';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { RunRecorder } from '../core/runRecorder';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
} from '../etcd/controlPlanes';
import { takeEtcdSnapshot } from '../etcd/snapshot';
import { connectAll, readTaskPrivateKey } from '../ssh';
import { observeNodeVersions, runUpgrade } from '../upgrade/rollout';
import { examples } from './upgrade.examples';

/** Factory options of kpaas:upgrade (the module's services). */
export type UpgradeActionOptions = ControlPlaneActionOptions;

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/**
 * `kpaas:upgrade`: upgrades a running kubeadm cluster to `spec.kubernetes.version` of its
 * cluster.yaml, one minor at a time, in kubeadm's order: an etcd snapshot, `kubeadm upgrade plan`
 * and `kubeadm upgrade apply` on the first control plane, `kubeadm upgrade node` on the others,
 * then the workers in batches of `maxUnavailable` (cordon, drain through the Eviction API,
 * packages held at the exact version, `kubeadm upgrade node`, kubelet restart, uncordon, Ready
 * with the new version before the next batch). The versions are read from the live cluster (the
 * Nodes' kubelets, the control planes' kube-apiserver manifests); a skipped minor, a downgrade or
 * a kubelet outside the skew policy is refused naming the field before anything changes. A
 * failure stops at that node naming the step; a re-run skips the nodes already at the target.
 * A cluster not bootstrapped yet is left alone (kpaas:bootstrap installs the version).
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createUpgradeAction(options: UpgradeActionOptions) {
  const { client, guard } = controlPlaneActionDeps(options);
  return createTemplateAction({
    id: 'kpaas:upgrade',
    description:
      "Upgrades the cluster's Kubernetes to spec.kubernetes.version, one minor at a time: etcd snapshot, kubeadm upgrade apply on the first control plane, kubeadm upgrade node on the others, then workers drained in batches",
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
          z.string({ description: 'SSH user on the nodes' }).default('ubuntu'),
        maxUnavailable: z =>
          z
            .number({
              description:
                'Workers upgraded at the same time (each cordoned and drained first); the next batch starts when all are Ready with the new version',
            })
            .int()
            .min(1)
            .max(100)
            .default(DEFAULT_UPGRADE_MAX_UNAVAILABLE),
        drainTimeoutSeconds: z =>
          z
            .number({
              description:
                'How long the drain of one worker may take (PodDisruptionBudgets honoured); then the rollout stops naming the pods that block it',
            })
            .int()
            .min(10)
            .max(7200)
            .default(600),
        readyTimeoutSeconds: z =>
          z
            .number({
              description:
                'How long a node may take to report Ready with the new kubelet after its restart',
            })
            .int()
            .min(10)
            .max(3600)
            .default(300),
        commandTimeoutSeconds: z =>
          z
            .number({
              description:
                'Longest time one command on a node may run (kubeadm upgrade apply pulls images)',
            })
            .int()
            .min(30)
            .max(7200)
            .default(1800),
      },
      output: {
        from: z =>
          z.string({
            description: 'The version the control planes ran before',
          }),
        to: z => z.string({ description: 'The version now running' }),
        upgraded: z =>
          z.array(z.string(), {
            description: 'Nodes upgraded by this run, in order',
          }),
        skipped: z =>
          z.array(z.string(), {
            description: 'Nodes already at the target (an earlier run)',
          }),
        snapshotPath: z =>
          z
            .string({
              description:
                'The etcd snapshot taken before the control planes (on the first control plane)',
            })
            .optional(),
        nodeTimings: z =>
          z.array(
            z.object({
              node: z.string(),
              role: z.enum(['control-plane', 'worker']),
              batch: z.number(),
              startedAt: z.string(),
              seconds: z.number(),
            }),
            { description: 'Wall time of each node upgraded' },
          ),
        phaseTimings: z =>
          z.array(z.object({ phase: z.string(), seconds: z.number() }), {
            description: 'Wall time of each phase',
          }),
      },
    },
    async handler(ctx) {
      // the defaults again: a context built without the schema (tests) passes them unset
      const input = {
        ...ctx.input,
        maxUnavailable:
          ctx.input.maxUnavailable ?? DEFAULT_UPGRADE_MAX_UNAVAILABLE,
        drainTimeoutSeconds: ctx.input.drainTimeoutSeconds ?? 600,
        readyTimeoutSeconds: ctx.input.readyTimeoutSeconds ?? 300,
        commandTimeoutSeconds: ctx.input.commandTimeoutSeconds ?? 1800,
        sshUser: ctx.input.sshUser ?? 'ubuntu',
      };
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: input.repoPath ?? '.',
      });
      const { spec } = repo;
      const cluster = spec.metadata.name;
      const target = spec.spec.kubernetes.version;
      if (spec.spec.kubernetes.installer !== 'kubeadm') {
        throw new InputError(
          `spec.kubernetes.installer: kpaas:upgrade upgrades kubeadm clusters; "${spec.spec.kubernetes.installer}" pins its own Kubernetes version (K-PaaS cp-deployment), upgrade it with its own tooling`,
        );
      }
      const taskId = ctx.task?.id;
      const credentials = await ctx.getInitiatorCredentials();

      if (ctx.isDryRun) {
        await guard.authorize({
          action: 'kpaas:upgrade',
          cluster,
          newCluster: false,
          repoUrl: input.repoUrl,
          taskId,
          isDryRun: true,
          credentials,
        });
        // nothing is contacted: the order from cluster.yaml, the versions are read at apply
        const planned = planKubernetesUpgrade({
          target,
          maxUnavailable: input.maxUnavailable,
          nodes: deriveInventory(spec)
            .filter(n => n.role !== 'lb')
            .map(n => ({
              name: n.name,
              controlPlane: n.role === 'control-plane',
              kubeletVersion: target,
              apiServerVersion: target,
            })),
        });
        if (!planned.ok) {
          throw new InputError(
            planned.problems.map(p => `${p.field}: ${p.message}`).join('; '),
          );
        }
        const steps = planned.rollout.steps.map(s => ({ ...s, done: false }));
        const lines = formatUpgradeRollout({
          ...planned.rollout,
          from: '<running version, read at apply>',
          steps,
        });
        ctx.logger.info(
          `dry run: kpaas:upgrade of ${cluster} to ${target} (maxUnavailable ${
            input.maxUnavailable
          }); nothing was contacted. Rollout (nodes already at ${target} are skipped at apply):\n${lines.join(
            '\n',
          )}`,
        );
        ctx.output('from', '');
        ctx.output('to', target);
        ctx.output('upgraded', []);
        ctx.output('skipped', []);
        ctx.output('nodeTimings', []);
        ctx.output('phaseTimings', []);
        return;
      }

      await guard.authorize({
        action: 'kpaas:upgrade',
        cluster,
        newCluster: false,
        repoUrl: input.repoUrl,
        taskId,
        credentials,
      });
      const recorder = new RunRecorder({
        phase: 'upgrade',
        cluster,
        client,
        logger: ctx.logger,
        taskId,
      });
      const privateKey = readTaskPrivateKey(ctx.secrets);
      recorder.addSecret(privateKey);
      recorder.addSecret(ctx.secrets?.sshPassphrase);
      const log = recorder.logger;

      const inventory = await readClusterInventory(client, cluster, {
        taskId,
        signal: ctx.signal,
        action: 'kpaas:upgrade',
      });
      const k8sNodes = inventory.filter(n => n.role !== 'lb');
      const firstCp = k8sNodes.find(n => n.role === 'control-plane');
      if (!firstCp) {
        throw new InputError(
          `the inventory of cluster "${cluster}" has no control plane; run kpaas:provision first`,
        );
      }
      const endpoints = endpointsWithInventory(
        deriveEndpoints(spec),
        inventory,
      );
      if (!endpoints.apiServerUrl) {
        throw new InputError(
          `spec.controlPlane.endpoint: the API address is not known (${endpoints.pending.join(
            '; ',
          )}); set spec.controlPlane.endpoint.address`,
        );
      }
      const nothingToDo = (why: string) => {
        log.info(
          `${cluster} is not bootstrapped yet (${why}): nothing to upgrade, kpaas:bootstrap installs ${target}`,
        );
        ctx.output('from', '');
        ctx.output('to', target);
        ctx.output('upgraded', []);
        ctx.output('skipped', []);
        ctx.output('nodeTimings', []);
        ctx.output('phaseTimings', recorder.phaseTimings);
      };
      // kpaas:bootstrap records each node's host key when it first connects: a machine without
      // one was never bootstrapped (new in a scale-up) and is joined at the target by bootstrap
      if (!firstCp.hostKeyFingerprint) {
        nothingToDo(`no recorded host key for ${firstCp.name}`);
        return;
      }
      const known = k8sNodes.filter(n => n.hostKeyFingerprint);
      for (const n of k8sNodes.filter(x => !x.hostKeyFingerprint)) {
        log.info(
          `[${n.name}] has no recorded host key, so it was never bootstrapped: left to kpaas:bootstrap, which joins it at ${target}`,
        );
      }
      const sessions = await recorder.phase('connect', () =>
        connectAll(
          known.map(n => ({
            name: n.name,
            host: n.address,
            port: n.port,
            user: n.user ?? input.sshUser,
            hostKeyFingerprint: n.hostKeyFingerprint,
          })),
          {
            privateKey,
            passphrase: ctx.secrets?.sshPassphrase,
            commandTimeoutMs: input.commandTimeoutSeconds * 1000,
            logger: log,
            masker: recorder.masker,
            signal: ctx.signal,
          },
          10,
        ),
      );
      try {
        const cp1 = sessions.get(firstCp.name)!;
        const bootstrapped =
          (
            await cp1.exec('admin.conf', `test -s ${ADMIN_CONF}`, {
              quiet: true,
              allowFailure: true,
            })
          ).exitCode === 0;
        if (!bootstrapped) {
          nothingToDo(`${firstCp.name} has no ${ADMIN_CONF}`);
          return;
        }
        // admin.conf in memory only, its server the cluster's API endpoint
        const { kc } = adminKubeConfig(
          (await cp1.readFile(ADMIN_CONF)).toString(),
          endpoints.apiServerUrl,
        );
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const { versions, notJoined } = await recorder.phase(
          'read versions',
          () =>
            observeNodeVersions({
              core,
              sessions,
              nodes: known.map(n => ({
                name: n.name,
                controlPlane: n.role === 'control-plane',
              })),
            }),
        );
        for (const n of notJoined) {
          log.info(
            `[${n}] has not joined the cluster yet: left to kpaas:bootstrap, which joins it at ${target}`,
          );
        }
        const planned = planKubernetesUpgrade({
          target,
          nodes: versions,
          maxUnavailable: input.maxUnavailable,
        });
        if (!planned.ok) {
          throw new InputError(
            `kpaas:upgrade refused, nothing was changed: ${planned.problems
              .map(p => `${p.field}: ${p.message}`)
              .join('; ')}`,
          );
        }
        const { rollout } = planned;
        log.info(formatUpgradeRollout(rollout).join('\n'));
        const result = await runUpgrade({
          rollout,
          sessions,
          core,
          recorder,
          checkpoint: (key, fn) =>
            ctx.checkpoint({ key, fn: fn as any }) as any,
          snapshot: session =>
            takeEtcdSnapshot(session, { cluster, node: firstCp.name }),
          drainTimeoutMs: input.drainTimeoutSeconds * 1000,
          readyTimeoutMs: input.readyTimeoutSeconds * 1000,
          signal: ctx.signal,
        });
        if (rollout.upToDate) {
          log.info(`every node of ${cluster} runs ${target}: nothing to do`);
        } else {
          await recorder.timeline({
            step: `Kubernetes ${rollout.from} → ${target}`,
            status: 'succeeded',
            summary: `${result.nodes.length} node(s) upgraded: ${result.nodes
              .map(n => `${n.node} ${n.seconds.toFixed(1)} s`)
              .join(', ')}`,
          });
        }
        ctx.output('from', rollout.from);
        ctx.output('to', target);
        ctx.output(
          'upgraded',
          result.nodes.map(n => n.node),
        );
        ctx.output(
          'skipped',
          rollout.steps.filter(s => s.done).map(s => s.node),
        );
        if (result.snapshotPath)
          ctx.output('snapshotPath', result.snapshotPath);
        ctx.output('nodeTimings', result.nodes);
        ctx.output('phaseTimings', recorder.phaseTimings);
      } finally {
        for (const s of sessions.values()) s.close();
      }
    },
  });
}

import {
  AuthService,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
} from '../access/authorizeClusterRun';
import { KpaasBackendClient } from '../backendClient';
import { MAX_BOOTSTRAP_CONCURRENCY } from '../bootstrap/concurrency';
import { readNodeDownloads } from '../bootstrap/downloads';
import { runBootstrap } from '../bootstrap/run';
import { examples } from './bootstrap.examples';

/**
 * Services kpaas:bootstrap needs: kpaas-backend access (registration, timeline) and the
 * permissions service that authorizes the task's initiator.
 * @public
 */
export interface BootstrapActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  permissions: PermissionsService;
  /** Reads `kpaas.actions.servicePrincipals`. */
  config?: Config;
  /** The module's one kpaas-backend client (built in its init); default: one of its own. */
  client?: KpaasBackendClient;
}

/**
 * `kpaas:bootstrap`: reads the cluster's machines from kpaas-backend by the name in cluster.yaml
 * (kpaas:provision stored them), prepares every node over SSH (verified host keys, recorded in
 * the inventory) and builds a kubeadm HA cluster behind the API VIP/LB, then registers it.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createBootstrapAction(options: BootstrapActionOptions) {
  const client =
    options.client ??
    new KpaasBackendClient({
      discovery: options.discovery,
      auth: options.auth,
    });
  const guard = new ClusterRunGuard({
    permissions: options.permissions,
    client,
    servicePrincipals: actionServicePrincipalsFromConfig(options.config),
  });
  // the node scripts' downloads: URL and sha256 pins, with kpaas.actions.downloads applied
  const downloads = readNodeDownloads(options.config);
  return createTemplateAction({
    id: 'kpaas:bootstrap',
    description:
      'Prepares the nodes over SSH in parallel, builds a kubeadm HA cluster (or runs the K-PaaS cp-deployment installer), verifies it and registers it with kpaas-backend',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo in the workspace (cluster.yaml and scripts/)',
            })
            .default('.'),
        repoUrl: z =>
          z
            .string({
              description:
                'The repository the workspace was fetched from (RepoUrlPicker value or https URL). Registered with the cluster; a run on a registered cluster is refused unless this is its registered repository.',
            })
            .optional(),
        sshUser: z =>
          z
            .string({
              description:
                'SSH user on the nodes; sudo is used when it is not root',
            })
            .default('ubuntu'),
        knownHosts: z =>
          z
            .string({
              description:
                'known_hosts lines (`host key-type base64`) for nodes whose inventory entry has no fingerprint',
            })
            .optional(),
        trustOnFirstUse: z =>
          z
            .boolean({
              description:
                'Accept unknown host keys once, log them, record them in the cluster inventory and return them in `hostKeys`. A changed key always aborts. Default: true for machines kpaas created (every target but existing), false for existing hosts',
            })
            .optional(),
        concurrency: z =>
          z
            .number({
              description:
                'How many nodes are worked on at once. Default: every node in one round, unless the file descriptors, memory or CPUs of the machine running the task cannot afford that many SSH sessions (the task log says which)',
            })
            .int()
            .min(1)
            .max(MAX_BOOTSTRAP_CONCURRENCY)
            .optional(),
        connectTimeoutSeconds: z =>
          z
            .number({ description: 'SSH connect timeout per attempt' })
            .int()
            .min(1)
            .default(20),
        commandTimeoutSeconds: z =>
          z
            .number({ description: 'Timeout of one remote step on one node' })
            .int()
            .min(1)
            .default(900),
        nodeReadyTimeoutSeconds: z =>
          z
            .number({
              description:
                'How long to wait for every node to register and be Ready, and for each reconfigured kube-apiserver to be ready again',
            })
            .int()
            .min(1)
            .default(600),
      },
      output: {
        apiServerUrl: z =>
          z.string({ description: 'https://<VIP or LB>:6443' }),
        clusterName: z =>
          z.string({
            description: 'Cluster name as registered in kpaas-backend',
          }),
        nodes: z =>
          z.array(
            z.object({
              name: z.string(),
              roles: z.array(z.string()),
              kubeletVersion: z.string(),
            }),
            { description: 'Nodes as the Kubernetes API reports them' },
          ),
        hostKeys: z =>
          z.array(z.object({ name: z.string(), fingerprint: z.string() }), {
            description:
              'Host key fingerprints that were verified or (trustOnFirstUse) accepted',
          }),
        phaseTimings: z =>
          z.array(z.object({ phase: z.string(), seconds: z.number() }), {
            description: 'Wall time per phase',
          }),
      },
    },
    async handler(ctx) {
      // The scaffolder validates the input against the JSON schema but does not apply the zod
      // defaults, so a template that leaves a field out passes undefined: default it here.
      const i = ctx.input;
      const input = {
        ...i,
        repoPath: i.repoPath ?? '.',
        sshUser: i.sshUser ?? 'ubuntu',
        connectTimeoutSeconds: i.connectTimeoutSeconds ?? 20,
        commandTimeoutSeconds: i.commandTimeoutSeconds ?? 900,
        nodeReadyTimeoutSeconds: i.nodeReadyTimeoutSeconds ?? 600,
      };
      const output = await runBootstrap({
        input,
        workspacePath: ctx.workspacePath,
        secrets: ctx.secrets,
        logger: ctx.logger,
        signal: ctx.signal,
        isDryRun: ctx.isDryRun,
        taskId: ctx.task?.id,
        checkpoint: opts => ctx.checkpoint(opts as any) as any,
        client,
        downloads,
        authorize: async cluster =>
          guard.authorize({
            action: 'kpaas:bootstrap',
            cluster,
            newCluster: false,
            repoUrl: i.repoUrl,
            taskId: ctx.task?.id,
            isDryRun: ctx.isDryRun,
            credentials: await ctx.getInitiatorCredentials(),
          }),
      });
      ctx.output('apiServerUrl', output.apiServerUrl);
      ctx.output('clusterName', output.clusterName);
      ctx.output('nodes', output.nodes);
      ctx.output('hostKeys', output.hostKeys);
      ctx.output('phaseTimings', output.phaseTimings);
    },
  });
}

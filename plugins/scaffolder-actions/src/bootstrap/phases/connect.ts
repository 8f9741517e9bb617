import type { InventoryNode } from '@internal/plugin-kpaas-common';
import type { RunRecorder } from '../../core/runRecorder';
import {
  connectAll,
  KnownHosts,
  runOnNodes,
  SshExecutorOptions,
  SshNodeSession,
} from '../../ssh';
import type { BootstrapRunContext } from '../context';
import type { NodeScript } from '../load';

/** Where the scripts land on a node, relative to the SSH user's home. */
const REMOTE_SCRIPT_DIR = '.kpaas/scripts';

export interface ConnectedNodes {
  session(node: InventoryNode): SshNodeSession;
  script(session: SshNodeSession, name: string): string;
  hostKeys: Array<{ name: string; fingerprint: string }>;
  close(): void;
}

/**
 * Connects to every machine (host keys verified, or trusted on first use), records the keys the
 * inventory did not have yet in kpaas-backend (where kpaas:addons and the next runs find them)
 * and uploads the node scripts.
 */
export async function connectNodes(args: {
  ctx: BootstrapRunContext;
  cluster: string;
  inventory: InventoryNode[];
  recorder: RunRecorder;
  options: SshExecutorOptions & { knownHosts?: KnownHosts };
  scripts: NodeScript[];
}): Promise<ConnectedNodes> {
  const { ctx, cluster, inventory, recorder } = args;
  const { input } = ctx;
  const sessions = await recorder.phase('connect', () =>
    connectAll(
      inventory.map(n => ({
        name: n.name,
        host: n.address,
        port: n.port,
        user: n.user ?? input.sshUser,
        hostKeyFingerprint: n.hostKeyFingerprint,
      })),
      args.options,
      input.concurrency,
    ),
  );
  const all = inventory.map(n => sessions.get(n.name)!);
  const close = () => all.forEach(s => s.close());
  const hostKeys = all.map(s => ({
    name: s.name,
    fingerprint: s.hostKey.fingerprint,
  }));
  const scriptDirs = new Map<string, string>();
  try {
    const newKeys = hostKeys.filter(
      k => !inventory.find(n => n.name === k.name)?.hostKeyFingerprint,
    );
    if (newKeys.length > 0) {
      await recorder.phase('record host keys', () =>
        ctx.client.recordHostKeys(
          cluster,
          { taskId: ctx.taskId, hostKeys: newKeys },
          ctx.signal,
        ),
      );
    }
    await recorder.phase('upload scripts', () =>
      runOnNodes(
        all,
        input.concurrency,
        async s => {
          scriptDirs.set(
            s.name,
            await s.uploadFiles(REMOTE_SCRIPT_DIR, args.scripts),
          );
        },
        'upload scripts',
      ),
    );
  } catch (e) {
    close();
    throw e;
  }
  return {
    session: n => sessions.get(n.name)!,
    script: (s, name) => `bash ${scriptDirs.get(s.name)}/${name}`,
    hostKeys,
    close,
  };
}

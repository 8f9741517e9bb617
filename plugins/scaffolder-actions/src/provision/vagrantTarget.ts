import fs from 'node:fs';
import path from 'node:path';
import { buildChildEnv } from '../process/childEnv';
import { writeMachineConfig } from './machineConfig';
import { inventoryFromSpec } from './outputs';
import { createPhaseRunner, makeRunDir } from './phase';
import { resolveVagrantBinary } from './tools';
import { checkpointKey, ProvisionResult, ProvisionRun } from './types';
import { findVagrantDir } from './workdir';

/**
 * vagrant: vagrant.json from cluster.yaml next to the Vagrantfile, then `vagrant up` (or
 * `vagrant destroy -f`). The machines have the planned fixed addresses, so the inventory is the
 * planned one. Vagrant has no plan step: mode plan reports the machines `vagrant up` would
 * create and runs nothing.
 */
export async function provisionWithVagrant(
  run: ProvisionRun,
  options: {
    baseEnv: NodeJS.ProcessEnv;
    envPassthrough: string[];
    /** The public half of the task's SSH key, authorised on every VM. */
    sshPublicKey?: string;
  },
): Promise<ProvisionResult> {
  const { spec, cluster, mode, logger } = run;
  const planned = inventoryFromSpec(spec);
  if (mode === 'plan') {
    logger.info(
      `Vagrant has no plan step: \`vagrant up\` creates these ${planned.inventory.length} machines with fixed addresses; nothing was run`,
    );
    return planned;
  }
  const vagrant = resolveVagrantBinary(options.baseEnv);
  const dir = findVagrantDir(run.repo.dir);
  const written = writeMachineConfig(spec, dir);
  if (written) {
    logger.info(
      `Vagrant machines written from cluster.yaml: ${path.relative(
        run.workspacePath,
        written,
      )}`,
    );
  }
  const runDir = makeRunDir();
  try {
    const phase = createPhaseRunner(run.phases, {
      command: vagrant,
      cwd: dir,
      env: buildChildEnv({
        from: options.baseEnv,
        runDir,
        passthrough: options.envPassthrough,
        set: {
          // VirtualBox/libvirt keep their VM registry under the user's HOME: Vagrant
          // must see the same HOME on every run, or destroy cannot find the machines.
          HOME: options.baseEnv.HOME,
          VAGRANT_NO_COLOR: '1',
          KPAAS_SSH_PUBLIC_KEY: options.sshPublicKey,
        },
      }),
      mask: run.recorder.masker.filter,
    });
    if (mode === 'destroy') {
      const done = await run.checkpoint({
        key: checkpointKey('vagrant-destroy', cluster),
        fn: async () => {
          const r = await phase('destroy', ['destroy', '-f']);
          await run.recorder.timeline({
            step: r.step,
            status: 'succeeded',
            startedAt: r.startedAt,
            summary: 'vagrant destroy -f',
          });
          return { destroyed: true };
        },
      });
      logger.info(
        `Vagrant machines of ${cluster} destroyed: ${done.destroyed}`,
      );
      return { inventory: [], endpoints: planned.endpoints };
    }
    await run.checkpoint({
      key: checkpointKey('vagrant-up', cluster),
      fn: async () => {
        const r = await phase('apply', ['up']);
        await run.recorder.timeline({
          step: r.step,
          status: 'succeeded',
          startedAt: r.startedAt,
          summary: 'vagrant up',
        });
        return { up: true };
      },
    });
    return planned;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

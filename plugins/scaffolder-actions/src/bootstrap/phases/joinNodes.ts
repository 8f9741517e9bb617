import type { InventoryNode } from '@internal/plugin-kpaas-common';
import { runOnNodes } from '../../ssh';
import { oidcCaEnv } from '../apiServerOidc';
import type { BootstrapRun } from '../context';
import { parseKeyValues } from '../plan';

/** A short-lived join token (and certificate key, for control planes) from the first control plane. */
export interface JoinCredentials {
  token: string;
  caCertHash: string;
  certificateKey?: string;
}

/**
 * The control planes and workers that have not joined yet, decided per node from its real state
 * (/etc/kubernetes/kubelet.conf): a re-run or a scale-up joins only these.
 */
export async function pendingJoins(
  run: BootstrapRun,
): Promise<{ controlPlanes: InventoryNode[]; workers: InventoryNode[] }> {
  const { nodes, recorder } = run;
  const joined = new Set<string>();
  await Promise.all(
    [...nodes.otherCps, ...nodes.workers].map(async n => {
      const r = await run
        .session(n)
        .exec(
          'join state',
          'test -s /etc/kubernetes/kubelet.conf && echo joined || echo pending',
          { quiet: true },
        );
      if (r.stdout.trim() === 'joined') joined.add(n.name);
    }),
  );
  for (const n of [...nodes.otherCps, ...nodes.workers]) {
    if (joined.has(n.name))
      recorder.logger.info(`[${n.name}] already joined; skipped`);
  }
  return {
    controlPlanes: nodes.otherCps.filter(n => !joined.has(n.name)),
    workers: nodes.workers.filter(n => !joined.has(n.name)),
  };
}

/** A join token (TTL 15 min), with a certificate key when control planes join. */
export async function joinCredentials(
  run: BootstrapRun,
  withCertificateKey: boolean,
): Promise<JoinCredentials> {
  const { firstCp } = run.nodes;
  const cp1 = run.session(firstCp);
  const r = await cp1.exec(
    'join credentials',
    run.script(cp1, 'join-credentials.sh'),
    {
      env: {
        TOKEN_TTL: '15m',
        WITH_CERTIFICATE_KEY: withCertificateKey ? 'yes' : 'no',
      },
      quiet: true,
    },
  );
  const kv = parseKeyValues(r.stdout);
  run.recorder.addSecret(kv.token);
  run.recorder.addSecret(kv.certificate_key);
  if (!kv.token || !kv.ca_cert_hash)
    throw new Error(`${firstCp.name}: join credentials were not printed`);
  run.recorder.logger.info(
    `[${firstCp.name}] join token (TTL 15m)${
      kv.certificate_key ? ' and certificate key' : ''
    } created`,
  );
  return {
    token: kv.token,
    caCertHash: kv.ca_cert_hash,
    certificateKey: kv.certificate_key,
  };
}

function joinEnv(run: BootstrapRun, n: InventoryNode, creds: JoinCredentials) {
  const { endpoints } = run;
  return {
    ENDPOINT: `${endpoints.apiServerHost}:${endpoints.apiServerPort}`,
    CA_CERT_HASH: creds.caCertHash,
    ROLE: n.role,
    NODE_NAME: n.name,
    ADVERTISE_ADDRESS: n.privateAddress ?? n.address,
    ...(n.role === 'control-plane' ? oidcCaEnv(run.spec) : {}),
  };
}

/** Joins control planes one at a time: each adds an etcd member, and etcd must keep quorum. */
export async function joinControlPlanes(
  run: BootstrapRun,
  pending: InventoryNode[],
  creds: JoinCredentials,
): Promise<void> {
  for (const n of pending) {
    const s = run.session(n);
    await run.step(
      s,
      'kubeadm join (control plane)',
      run.script(s, 'kubeadm-join.sh'),
      {
        env: joinEnv(run, n, creds),
        secretEnv: {
          KPAAS_JOIN_TOKEN: creds.token,
          ...(creds.certificateKey
            ? { KPAAS_CERTIFICATE_KEY: creds.certificateKey }
            : {}),
        },
      },
    );
  }
}

/** Joins the workers in parallel. */
export async function joinWorkers(
  run: BootstrapRun,
  pending: InventoryNode[],
  creds: JoinCredentials,
): Promise<void> {
  await runOnNodes(
    pending.map(run.session),
    run.ctx.input.concurrency,
    s => {
      const n = pending.find(x => x.name === s.name)!;
      return run.step(
        s,
        'kubeadm join (worker)',
        run.script(s, 'kubeadm-join.sh'),
        {
          env: joinEnv(run, n, creds),
          secretEnv: { KPAAS_JOIN_TOKEN: creds.token },
        },
      );
    },
    'join workers',
  );
}

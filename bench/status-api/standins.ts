/*
 * The clusters of bench/status-api, in a process of their own (so their CPU is not the
 * backend's): N Kubernetes API stand-ins, each the K-PaaS HA fixture at `nodes` nodes with
 * realistic, varied nodes (realisticNodes.ts), each with kubelets' status updates arriving
 * (every node's heartbeat once per `heartbeatS`, spread evenly, as kubelets report).
 *
 * Driven over IPC by index.ts:
 *   parent → { type: 'start', clusters, nodes, heartbeatS }   child → { type: 'ready', clusters: [...], sizes }
 *   parent → { type: 'counts' }                               child → { type: 'counts', perCluster: [...] }
 *   parent → { type: 'clear' }                                child → { type: 'cleared' } (counts start afresh)
 *   parent → { type: 'stop' }                                 child closes everything and exits
 * The child also exits when the parent goes away (IPC disconnect).
 */
import {
  KubeApiStandIn,
  kpaasHaFixture,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { gzipSync } from 'node:zlib';
import { heartbeat, varyNodes } from './realisticNodes';

type Message =
  | { type: 'start'; clusters: number; nodes: number; heartbeatS: number }
  | { type: 'counts' }
  | { type: 'clear' }
  | { type: 'stop' };

const standIns: KubeApiStandIn[] = [];
const timers: NodeJS.Timeout[] = [];
let updates = 0;

function send(message: unknown) {
  process.send!(message);
}

async function start(clusters: number, nodes: number, heartbeatS: number) {
  const out = [];
  let sizes: { json: number; gzip: number } | undefined;
  // One generated cluster; each stand-in gets its own variation of its nodes.
  const base = kpaasHaFixture({
    controlPlanes: 3,
    workers: nodes - 3,
    firstNodeIp: '10.20.0.11',
  });
  for (let c = 0; c < clusters; c++) {
    const fixture = varyNodes(base, 1000 + c);
    const standIn = await startKubeApiStandIn({ host: '127.0.0.1', fixture });
    standIns.push(standIn);
    out.push({
      url: standIn.url,
      caPem: standIn.caPem,
      token: standIn.adminToken,
    });
    const names = fixture
      .filter(o => o.kind === 'Node')
      .map(o => o.metadata!.name!);
    if (!sizes) {
      const list = JSON.stringify({
        kind: 'NodeList',
        items: standIn.store.list({ apiVersion: 'v1', kind: 'Node' }),
      });
      sizes = { json: list.length, gzip: gzipSync(list, { level: 6 }).length };
    }
    // Kubelet status updates: every node once per heartbeatS, in ticks of 100 ms.
    const perTick = names.length / (heartbeatS * 10);
    let due = 0;
    let next = 0;
    timers.push(
      setInterval(() => {
        due += perTick;
        for (; due >= 1; due--) {
          const name = names[next++ % names.length];
          const ref = { apiVersion: 'v1', kind: 'Node', name };
          const node = standIn.store.get(ref);
          if (node) {
            standIn.store.patch(ref, heartbeat(node), 'merge', {
              fieldManager: 'kubelet',
              scope: 'status',
            });
            updates++;
          }
        }
      }, 100),
    );
  }
  send({ type: 'ready', clusters: out, sizes });
}

function counts() {
  send({
    type: 'counts',
    updates,
    perCluster: standIns.map(s => ({
      total: s.requestLog.entries.length,
      nodeLists: s.countRequests({ verb: 'list', resource: 'nodes' }),
      nodeWatches: s.countRequests({ verb: 'watch', resource: 'nodes' }),
      stats: s.stats(),
    })),
  });
}

/** Starts the request counts (and the status update count) afresh. */
function clear() {
  for (const s of standIns) s.requestLog.clear();
  updates = 0;
  send({ type: 'cleared' });
}

async function stop() {
  for (const t of timers) clearInterval(t);
  await Promise.all(standIns.map(s => s.close()));
  process.exit(0);
}

process.on('message', (m: Message) => {
  const run =
    m.type === 'start'
      ? start(m.clusters, m.nodes, m.heartbeatS)
      : m.type === 'counts'
      ? Promise.resolve(counts())
      : m.type === 'clear'
      ? Promise.resolve(clear())
      : stop();
  run.catch(error => {
    console.error('status-api stand-ins:', error);
    process.exit(1);
  });
});
process.on('disconnect', () => void stop());

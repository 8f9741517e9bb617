import {
  EXPIRY_WARNING_DAYS,
  parseKubeadmCheckExpiration,
} from '@internal/plugin-kpaas-common';
import type { ControlPlaneSession } from '../etcd/controlPlanes';
import { etcdctl } from '../etcd/etcdctl';
import { until } from '../etcd/until';

/*
 * Renewing kubeadm's certificates, one control plane at a time (the others keep serving):
 *   check-expiration (before) -> kubeadm certs renew all -> static pods restarted (manifests
 *   moved out, wait until etcd on the node stops answering, moved back, wait until it answers)
 *   -> check-expiration (after: every leaf certificate must be good for more than the warning
 *   window) -> the next node. CAs are not renewed (kubeadm does not; a CA rotation is manual).
 * A failure stops at that node and says which nodes are done and how to finish by hand.
 */

const STATIC_PODS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];
const MANIFESTS = '/etc/kubernetes/manifests';

export interface RenewedNode {
  node: string;
  /** Soonest leaf expiry before and after. */
  before: string;
  after: string;
}

export class CertRenewError extends Error {
  constructor(message: string, readonly renewed: string[]) {
    super(message);
    this.name = 'CertRenewError';
  }
}


export async function renewKubeadmCertificates(opts: {
  controlPlanes: ControlPlaneSession[];
  waitMs?: number;
  now?: () => Date;
  /** Called after each node (timeline). */
  onNode?: (done: RenewedNode) => Promise<void>;
}): Promise<RenewedNode[]> {
  const waitMs = opts.waitMs ?? 180_000;
  const now = opts.now ?? (() => new Date());
  const done: RenewedNode[] = [];
  const soonestLeaf = (json: string) => {
    const items = parseKubeadmCheckExpiration(json, now()).filter(
      i => !i.name.endsWith('(CA)'),
    );
    return items.sort(
      (a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter),
    )[0];
  };
  for (const cp of opts.controlPlanes) {
    const n = cp.node.name;
    const holding = `${MANIFESTS}.kpaas-renew`;
    let step = 'check-expiration';
    const fail = (why: string) =>
      new CertRenewError(
        `certificate renewal stopped on ${n} at "${step}": ${why}. Renewed: ${
          done.map(d => d.node).join(', ') || 'none'
        }; not yet: ${opts.controlPlanes
          .slice(done.length)
          .map(c => c.node.name)
          .join(
            ', ',
          )}. Fix the cause on ${n} (if its static pods are in ${holding}, move them back: mv ${holding}/*.yaml ${MANIFESTS}/) and run the action again: renewing twice is harmless`,
        done.map(d => d.node),
      );
    try {
      const before = soonestLeaf(
        (
          await cp.session.exec(
            step,
            'kubeadm certs check-expiration -o json',
            { quiet: true },
          )
        ).stdout,
      );
      step = 'kubeadm certs renew all';
      await cp.session.exec(step, 'kubeadm certs renew all');
      step = 'restart static pods';
      await cp.session.exec(
        step,
        `mkdir -p ${holding} && for p in ${STATIC_PODS.join(
          ' ',
        )}; do [ -e ${MANIFESTS}/$p.yaml ] && mv ${MANIFESTS}/$p.yaml ${holding}/; done; true`,
        { quiet: true },
      );
      const health = async () =>
        (
          await cp.session.exec('etcd health', etcdctl('endpoint health'), {
            quiet: true,
            allowFailure: true,
          })
        ).exitCode === 0;
      if (!(await until(waitMs, async () => !(await health())))) {
        throw new Error(
          `the static pods did not stop within ${waitMs / 1000} s`,
        );
      }
      await cp.session.exec(
        'start static pods',
        `mv ${holding}/*.yaml ${MANIFESTS}/ && rmdir ${holding}`,
        { quiet: true },
      );
      step = 'wait for the control plane';
      if (!(await until(waitMs, health))) {
        throw new Error(
          `etcd on ${n} does not answer ${waitMs / 1000} s after the restart`,
        );
      }
      step = 'verify';
      const after = soonestLeaf(
        (
          await cp.session.exec(
            step,
            'kubeadm certs check-expiration -o json',
            { quiet: true },
          )
        ).stdout,
      );
      if (!after || after.daysLeft <= EXPIRY_WARNING_DAYS) {
        throw new Error(
          `the soonest certificate still expires in ${after?.daysLeft} days (${after?.name})`,
        );
      }
      const result = {
        node: n,
        before: before?.notAfter ?? 'unknown',
        after: after.notAfter,
      };
      done.push(result);
      await opts.onNode?.(result);
    } catch (e) {
      if (e instanceof CertRenewError) throw e;
      throw fail((e as Error).message.split('\n')[0]);
    }
  }
  return done;
}

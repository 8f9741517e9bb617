import * as k8s from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { SshNodeSession } from '../ssh';

/*
 * Is one control plane's kube-apiserver back after its static pod manifest changed? Asked of
 * that API server itself, not of the load-balanced endpoint (which another control plane
 * answers): GET /readyz at its advertise address, from the node over the SSH session
 * (direct-tcpip), TLS checked against the cluster CA with the name every kubeadm serving
 * certificate carries ("kubernetes"). And, where the kubelet publishes it, the mirror pod's
 * config hash must have changed, so the old process answering before the kubelet restarted it
 * does not count.
 */

/** The name in every kube-apiserver serving certificate kubeadm issues. */
const SERVING_NAME = 'kubernetes';

/** One GET /readyz at `address:port` from the node: the status and the body's last line. */
export async function apiServerReadyz(
  session: SshNodeSession,
  address: string,
  port: number,
  caPem: string,
): Promise<{ status: number; detail: string }> {
  const stream = (await session.forwardOut(address, port)) as unknown as Duplex;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: stream,
      ca: caPem,
      servername: SERVING_NAME,
    });
    const timer = setTimeout(
      () => socket.destroy(new Error('no answer within 5 s')),
      5000,
    );
    const req = httpRequest(
      {
        method: 'GET',
        host: address,
        port,
        path: '/readyz',
        createConnection: () => socket,
        headers: { Connection: 'close' },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => {
          text += c;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const lines = text.trim().split('\n');
          resolve({
            status: res.statusCode ?? 0,
            detail: lines[lines.length - 1].slice(0, 200),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', e => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

/** `kubernetes.io/config.hash` of the node's kube-apiserver mirror pod; undefined without one. */
export async function apiServerPodHash(
  kc: k8s.KubeConfig,
  nodeName: string,
): Promise<string | undefined> {
  try {
    const pod = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({
      namespace: 'kube-system',
      name: `kube-apiserver-${nodeName}`,
    });
    return pod.metadata?.annotations?.['kubernetes.io/config.hash'];
  } catch (e) {
    if ((e as { code?: number })?.code === 404) return undefined;
    throw e;
  }
}

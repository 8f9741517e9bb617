/*
 * Small ssh2 client helpers for talking to SSH rig nodes in tests.
 */
import { createHash } from 'node:crypto';
import { Client, ConnectConfig } from 'ssh2';
import type { SshNodeRig } from './sshNodeRig';

/** ssh2 hostVerifier accepting only the host key with this 'SHA256:…' fingerprint. */
export function fingerprintVerifier(
  expected: string,
): (key: Buffer) => boolean {
  return (key: Buffer) =>
    `SHA256:${createHash('sha256')
      .update(key)
      .digest('base64')
      .replace(/=+$/, '')}` === expected;
}

export interface NodeConnectOptions {
  /** Fingerprint the host key must have (default: the rig's current one for the node). */
  expectFingerprint?: string;
  /** Default: rig.user */
  username?: string;
  /** Default 10 s. */
  readyTimeout?: number;
}

/** ssh2 ConnectConfig for a rig node, verifying its host key fingerprint. */
export function nodeConnectConfig(
  rig: SshNodeRig,
  nodeName: string,
  opts: NodeConnectOptions = {},
): ConnectConfig {
  const node = rig.node(nodeName);
  return {
    host: node.host,
    port: node.port,
    username: opts.username ?? rig.user,
    privateKey: rig.privateKey,
    hostVerifier: fingerprintVerifier(
      opts.expectFingerprint ?? node.hostKeyFingerprint,
    ),
    readyTimeout: opts.readyTimeout ?? 10000,
  };
}

/** Connects to a rig node (host key verified). Caller must `client.end()`. */
export function connectToNode(
  rig: SshNodeRig,
  nodeName: string,
  opts: NodeConnectOptions = {},
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const onError = (err: Error) => {
      client.end();
      reject(err);
    };
    client.once('error', onError);
    client.once('ready', () => {
      client.removeListener('error', onError);
      // keep a listener so a later connection error does not crash the process
      client.on('error', () => undefined);
      resolve(client);
    });
    client.connect(nodeConnectConfig(rig, nodeName, opts));
  });
}

export interface SshExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Runs one command on an open ssh2 connection. */
export function execOnClient(
  client: Client,
  command: string,
  opts: { pty?: boolean; stdin?: string } = {},
): Promise<SshExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, { pty: opts.pty ?? false }, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      stream.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
      });
      stream.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
      });
      stream.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signal = sig ?? undefined;
      });
      stream.on('close', () => resolve({ code, signal, stdout, stderr }));
      if (opts.stdin !== undefined) stream.end(opts.stdin);
      else stream.end();
    });
  });
}

/** Connects, runs one command, disconnects. */
export async function execOnNode(
  rig: SshNodeRig,
  nodeName: string,
  command: string,
  opts: NodeConnectOptions & { pty?: boolean; stdin?: string } = {},
): Promise<SshExecResult> {
  const client = await connectToNode(rig, nodeName, opts);
  try {
    return await execOnClient(client, command, opts);
  } finally {
    client.end();
  }
}

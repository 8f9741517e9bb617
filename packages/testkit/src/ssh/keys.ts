/*
 * Key helpers for the SSH node rig: ed25519 keys via ssh-keygen and
 * OpenSSH-compatible fingerprints computed in-process.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';

export const SSH_KEYGEN = '/usr/bin/ssh-keygen';

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new Error(
            `${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`,
          ),
        );
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Generates an unencrypted ed25519 key pair at `file` / `file.pub`. */
export async function generateEd25519(
  file: string,
  comment: string,
): Promise<void> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}.pub`, { force: true });
  await run(SSH_KEYGEN, [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    comment,
    '-f',
    file,
  ]);
}

/** Splits an OpenSSH public key line into type and base64 blob. */
export function parsePublicKeyLine(line: string): {
  type: string;
  blob: string;
} {
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob) throw new Error(`not an OpenSSH public key: ${line}`);
  return { type, blob };
}

/**
 * SHA256 fingerprint exactly as `ssh-keygen -lf` prints it
 * ('SHA256:' + unpadded base64 of sha256(key blob)).
 */
export function sha256Fingerprint(keyBlob: Buffer | string): string {
  const raw =
    typeof keyBlob === 'string' ? Buffer.from(keyBlob, 'base64') : keyBlob;
  return `SHA256:${createHash('sha256')
    .update(raw)
    .digest('base64')
    .replace(/=+$/, '')}`;
}

/** Fingerprint as printed by `ssh-keygen -lf <file>` (spawns ssh-keygen). */
export async function sshKeygenFingerprint(pubFile: string): Promise<string> {
  const out = await run(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', pubFile]);
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:'))
    throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fp;
}

/** The host part of a known_hosts line: `host` for port 22, else `[host]:port`. */
export function knownHostsPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import { sshPublicKeyOf } from './sshPublicKey';

describe('sshPublicKeyOf', () => {
  it('derives the same public key line as ssh-keygen', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-key-'));
    try {
      const keyFile = path.join(dir, 'id');
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        '',
        '-f',
        keyFile,
      ]);
      const expected = fs
        .readFileSync(`${keyFile}.pub`, 'utf8')
        .trim()
        .split(' ')
        .slice(0, 2)
        .join(' ');
      expect(sshPublicKeyOf(fs.readFileSync(keyFile, 'utf8'))).toBe(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the secret when the key is unusable', () => {
    expect(() => sshPublicKeyOf('not a key')).toThrow(InputError);
    expect(() => sshPublicKeyOf('not a key')).toThrow(/secrets\.sshPrivateKey/);
  });
});

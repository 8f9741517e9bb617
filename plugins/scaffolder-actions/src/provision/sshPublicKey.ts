import { InputError } from '@backstage/errors';
import { utils as sshUtils } from 'ssh2';
import { normalizePrivateKey } from '../ssh/privateKey';

/**
 * The OpenSSH public key line (`ssh-ed25519 AAAA…`) of the task's private key, for the machines'
 * authorized_keys (multipass cloud-init, Vagrantfile). Terraform and Vagrant never see the
 * private key.
 */
export function sshPublicKeyOf(
  privateKey: string,
  passphrase?: string,
): string {
  // the scaffolder's Secret field is a single-line input: restore the key's line breaks
  const parsed = sshUtils.parseKey(normalizePrivateKey(privateKey), passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new InputError(
      `secrets.sshPrivateKey is not a usable private key (${
        key instanceof Error ? key.message : 'empty'
      }); paste an OpenSSH or PEM private key, and secrets.sshPassphrase when it is encrypted`,
    );
  }
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

import { CustomErrorBase } from '@backstage/errors';

/** The host presented a key kpaas has no record of, and trust on first use is off. */
export class UnknownHostKeyError extends CustomErrorBase {
  name = 'UnknownHostKeyError' as const;
  constructor(readonly node: string, readonly fingerprint: string) {
    super(
      `${node}: unknown SSH host key ${fingerprint}; verify it on the machine (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and put it in the inventory's hostKeyFingerprint or the knownHosts input, or set trustOnFirstUse: true`,
    );
  }
}

/** The host presented a key other than the expected one: never accepted. */
export class HostKeyChangedError extends CustomErrorBase {
  name = 'HostKeyChangedError' as const;
  constructor(
    readonly node: string,
    readonly expected: string[],
    readonly actual: string,
  ) {
    super(
      `${node}: SSH host key CHANGED: expected ${expected.join(
        ' or ',
      )}, the host presented ${actual}. This may be a man-in-the-middle attack or a reinstalled machine; check the machine and update the recorded fingerprint before retrying`,
    );
  }
}

/** SSH authentication failed (wrong key, wrong user). Not retried. */
export class SshAuthError extends CustomErrorBase {
  name = 'SshAuthError' as const;
  constructor(readonly node: string, user: string, cause?: unknown) {
    super(
      `${node}: SSH authentication as "${user}" failed; check that the sshPrivateKey secret matches a key in ~${user}/.ssh/authorized_keys on the node`,
      cause,
    );
  }
}

/** The node could not be reached after all connect attempts, or the connection dropped. */
export class NodeUnreachableError extends CustomErrorBase {
  name = 'NodeUnreachableError' as const;
  constructor(readonly node: string, message: string, cause?: unknown) {
    super(`${node}: ${message}`, cause);
  }
}

/** A remote step exited non-zero. Carries the last lines of its output. */
export class StepFailedError extends CustomErrorBase {
  name = 'StepFailedError' as const;
  constructor(
    readonly node: string,
    readonly step: string,
    readonly exitCode: number | null,
    readonly lastLines: string[],
    signal?: string,
  ) {
    super(
      `${node}: step "${step}" failed with ${
        exitCode !== null ? `exit code ${exitCode}` : `signal ${signal ?? '?'}`
      }${
        lastLines.length
          ? `; last ${lastLines.length} lines:\n${lastLines.join('\n')}`
          : ''
      }`,
    );
  }
}

/** A remote step ran longer than its timeout; it was killed. */
export class StepTimeoutError extends CustomErrorBase {
  name = 'StepTimeoutError' as const;
  constructor(
    readonly node: string,
    readonly step: string,
    readonly timeoutMs: number,
    readonly lastLines: string[],
  ) {
    super(
      `${node}: step "${step}" timed out after ${Math.round(
        timeoutMs / 1000,
      )} s and was killed${
        lastLines.length ? `; last lines:\n${lastLines.join('\n')}` : ''
      }`,
    );
  }
}

/** The run was cancelled through its AbortSignal. */
export class CancelledError extends CustomErrorBase {
  name = 'CancelledError' as const;
  constructor(what: string) {
    super(`${what}: cancelled`);
  }
}

export { connectNode, shellQuote, SshNodeSession } from './executor';
export type {
  ExecOptions,
  ExecResult,
  HostKeyRecord,
  SshExecutorOptions,
  SshTarget,
  StepLogger,
} from './executor';
export { connectAll, NodeFailuresError, runOnNodes } from './fleet';
export type { NodeWork } from './fleet';
export { KnownHosts, knownHostsName, sha256Fingerprint } from './hostKeys';
export { SecretMasker } from '../core/secretMasker';
export {
  CancelledError,
  HostKeyChangedError,
  NodeUnreachableError,
  SshAuthError,
  StepFailedError,
  StepTimeoutError,
  UnknownHostKeyError,
} from './errors';
export { normalizePrivateKey, readTaskPrivateKey } from './privateKey';

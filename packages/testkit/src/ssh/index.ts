export {
  startSshNodes,
  SSH_NODE_OVERLAY_PATHS,
  SSH_NODE_STANDINS_DIR,
  SSH_NODE_STANDIN_CALL_LOG,
} from './sshNodeRig';
export type {
  SshNodeRig,
  SshNodeInfo,
  SshNodeSpec,
  StartSshNodesOptions,
  SshNodeStandinCall,
} from './sshNodeRig';
export {
  NonLoopbackHostError,
  isLoopbackIPv4,
  assertLoopbackHost,
  freePort,
} from './addresses';
export {
  sha256Fingerprint,
  sshKeygenFingerprint,
  knownHostsPattern,
} from './keys';
export {
  fingerprintVerifier,
  nodeConnectConfig,
  connectToNode,
  execOnClient,
  execOnNode,
} from './client';
export type { NodeConnectOptions, SshExecResult } from './client';

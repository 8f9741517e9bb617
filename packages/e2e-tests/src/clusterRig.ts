/*
 * The "machines" an e2e cluster order runs against: SSH rig nodes (real sshd, kubeadm/apt/…
 * stand-ins plus the helm stand-in that installs into the Kubernetes API stand-in), the API
 * stand-in as the cluster's load balancer at host .200 of the node network, :6443 (API endpoint
 * type `lb`), and the
 * controllers the API stand-in lacks (kubelet registration, ServiceAccount tokens, workload
 * readiness, MetalLB addresses, Envoy Gateway's Gateway API controller: GatewayClass `Accepted`,
 * the Gateway's proxy and `Programmed`, HTTPRoute `Accepted`/`ResolvedRefs`), and the Keycloak admin API stand-in serving at the keycloak
 * add-on's Service (its cluster IP is host .202 of the node network, reached from the control
 * plane like any cluster IP).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createKubeadmNamespaces,
  helmChartFixture,
  KeycloakAdminStandIn,
  KeycloakService,
  KubeApiStandIn,
  SshNodeRig,
  startKeycloakService,
  startKubeApiStandIn,
  startNodeControllers,
  startGatewayApiController,
  startSshNodes,
  startWorkloadControllers,
} from '@internal/kpaas-testkit';

// eslint-disable-next-line no-restricted-syntax
const standinsRoot = path.resolve(__dirname, '../../testkit/standins');

export interface ClusterRigNode {
  name: string;
  role: 'control-plane' | 'worker' | 'lb';
  address: string;
  port: number;
  hostKeyFingerprint: string;
}

/** The running machines of one cluster order plus the network plan that fits them. */
export interface ClusterRig {
  rig: SshNodeRig;
  /**
   * The API stand-in. With `apiEndpoint: 'first-control-plane'` it exists only once `kubeadm
   * init` ran on the first control plane (reading it earlier throws).
   */
  readonly api: KubeApiStandIn;
  nodes: ClusterRigNode[];
  /** `127.a.b.0/24`, the rig's address block */
  nodeCidr: string;
  /** The API stand-in's address, port 6443 (the lb at .200, or the first control plane) */
  apiAddress: string;
  metallbRange: string;
  ingressIp: string;
  /** The keycloak Service's cluster IP (host .202), where the Keycloak stand-in serves. */
  keycloakIp: string;
  /**
   * The Keycloak admin API stand-in, serving once the keycloak add-on's Service and credentials
   * Secret exist (throws before).
   */
  readonly keycloak: KeycloakAdminStandIn;
  /** Every helm call recorded on a node (the helm stand-in's log). */
  helmCalls(node: string): Promise<HelmCall[]>;
  stop(): Promise<void>;
}

export interface HelmCall {
  ts: string;
  args: string[];
  phase?: 'start' | 'end';
  release?: string;
  chart?: string;
  version?: string;
  exit?: number;
}

/**
 * One stand-ins dir with the recording stand-ins of standins/bin and the helm stand-in that
 * installs into the API stand-in (the rig takes a single dir). Wrappers, not symlinks: the
 * stand-ins find their helpers relative to their own path.
 */
function combinedStandinsDir(base: string): string {
  const dir = path.join(base, 'standins');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const targets = new Map<string, string>();
  for (const name of fs.readdirSync(path.join(standinsRoot, 'bin'))) {
    targets.set(name, path.join(standinsRoot, 'bin', name));
  }
  targets.set('helm', path.join(standinsRoot, 'helm', 'bin', 'helm'));
  for (const [name, target] of targets) {
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\nexec ${target} "$@"\n`,
      {
        mode: 0o755,
      },
    );
  }
  return dir;
}

export interface ClusterRigOptions {
  /**
   * Where the cluster's API answers on :6443.
   * - `lb` (default): "your load balancer" at host .200 of the node network, running from the
   *   start (API endpoint type lb).
   * - `first-control-plane`: the first control-plane node's own address (endpoint type host, the
   *   only one Multipass allows). Like a real kube-apiserver it starts listening when `kubeadm
   *   init` runs there, so the node's preflight still finds :6443 free.
   */
  apiEndpoint?: 'lb' | 'first-control-plane';
  /** Machines per role (default 1 control plane, 2 workers, no lb). */
  controlPlanes?: number;
  workers?: number;
  /** HAProxy + keepalived machines; the API stand-in then stands for their VIP at .200. */
  lbs?: number;
}

/** How long the kubeadm init stand-in works: time for the API to come up on the control plane. */
const LAZY_API_INIT_SECONDS = 3;

export async function startClusterRig(
  clusterName: string,
  options: ClusterRigOptions = {},
): Promise<ClusterRig> {
  const lazyApi = options.apiEndpoint === 'first-control-plane';
  const base = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-rig-'),
  );
  const adminConfPath = path.join(base, 'standin-admin.conf');
  const chartsPath = path.join(base, 'charts.json');
  const count = (n: number, role: ClusterRigNode['role'], label: string) =>
    Array.from({ length: n }, (_, i) => ({
      name: `${clusterName}-${label}-${i + 1}`,
      role,
    }));
  const roles: Array<{ name: string; role: ClusterRigNode['role'] }> = [
    ...count(options.controlPlanes ?? 1, 'control-plane', 'cp'),
    ...count(options.workers ?? 2, 'worker', 'worker'),
    ...count(options.lbs ?? 0, 'lb', 'lb'),
  ];
  const rig = await startSshNodes({
    nodes: roles.map(n => ({ name: n.name })),
    standinsDir: combinedStandinsDir(base),
    env: {
      // kubeadm init/join copy this kubeconfig of the API stand-in to /etc/kubernetes/admin.conf
      KPAAS_STANDIN_ADMIN_CONF: adminConfPath,
      // the cluster's kubeadm-config: init stores it, a control-plane join reads its
      // ClusterConfiguration (the kube-apiserver flags, OIDC among them)
      KPAAS_STANDIN_KUBEADM_CONFIG: path.join(base, 'kubeadm-config.yaml'),
      KPAAS_HELM_CHARTS: chartsPath,
      KPAAS_STANDIN_KUBEADM_JOIN_SECONDS: '0.3',
      ...(lazyApi
        ? { KPAAS_STANDIN_KUBEADM_INIT_SECONDS: String(LAZY_API_INIT_SECONDS) }
        : {}),
    },
  });
  let api: KubeApiStandIn | undefined;
  let keycloakService: KeycloakService | undefined;
  const stops: Array<() => void> = [];
  let watcher: NodeJS.Timeout | undefined;
  let apiStartFailure: unknown;
  try {
    const cp = rig.node(roles[0].name).host;
    const prefix = cp.split('.').slice(0, 3).join('.');
    // lb: "your load balancer" at host .200 of the node network, :6443
    const apiAddress = lazyApi ? cp : `${prefix}.200`;
    const ingressIp = `${prefix}.201`;
    // the keycloakx chart asks for a cluster IP of this machine (see startKeycloakService)
    const keycloakIp = `${prefix}.202`;
    const charts = helmChartFixture();
    charts.keycloakx.services[0].clusterIP = keycloakIp;
    fs.writeFileSync(chartsPath, JSON.stringify(charts));
    const startApi = async () => {
      const started = await startKubeApiStandIn({
        host: apiAddress,
        port: 6443,
      });
      api = started;
      createKubeadmNamespaces(started);
      // kubeadm init copies this kubeconfig to /etc/kubernetes/admin.conf when it finishes
      await started.writeKubeconfig(adminConfPath);
      stops.push(startNodeControllers({ rig, api: started, nodes: roles }));
      stops.push(
        startWorkloadControllers(started, {
          loadBalancerAddress: ingressIp,
          readyAfterMs: 300,
        }),
      );
      // the Gateway's proxy Service is a LoadBalancer: the workload controllers give it the
      // ingress address once MetalLB's pool exists, and the Gateway reports it
      stops.push(startGatewayApiController(started));
      keycloakService = startKeycloakService(started);
    };
    if (lazyApi) {
      let starting = false;
      watcher = setInterval(() => {
        if (starting) return;
        let initRan = false;
        try {
          initRan = rig
            .calls(roles[0].name)
            .some(c => c.cmd === 'kubeadm' && c.args[0] === 'init');
        } catch {
          // no call log on the node yet
        }
        if (!initRan) return;
        starting = true;
        clearInterval(watcher);
        startApi().catch(e => {
          apiStartFailure = e;
        });
      }, 200);
    } else {
      await startApi();
    }
    const nodes = roles.map(n => {
      const info = rig.node(n.name);
      return {
        ...n,
        address: info.host,
        port: info.port,
        hostKeyFingerprint: info.hostKeyFingerprint,
      };
    });
    return {
      rig,
      get api(): KubeApiStandIn {
        if (!api) {
          throw new Error(
            `the API stand-in at ${apiAddress}:6443 is not running: ${
              apiStartFailure
                ? `it failed to start (${apiStartFailure})`
                : `kubeadm init has not run on ${roles[0].name} yet`
            }`,
          );
        }
        return api;
      },
      nodes,
      nodeCidr: `${prefix}.0/24`,
      apiAddress,
      metallbRange: `${prefix}.210-${prefix}.250`,
      ingressIp,
      keycloakIp,
      get keycloak(): KeycloakAdminStandIn {
        if (!keycloakService) {
          throw new Error(
            'the Keycloak stand-in needs the API stand-in, which is not running',
          );
        }
        return keycloakService.keycloak;
      },
      async helmCalls(node: string) {
        const text = await rig
          .readNodeFile(node, '/var/log/kpaas-standins/calls.jsonl')
          .catch(() => '');
        return String(text)
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l))
          .filter(c => c.cmd === 'helm');
      },
      async stop() {
        clearInterval(watcher);
        stops.forEach(s => s());
        await keycloakService?.stop();
        await api?.close().catch(() => undefined);
        await rig.stop();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    clearInterval(watcher);
    stops.forEach(s => s());
    await keycloakService?.stop();
    await api?.close().catch(() => undefined);
    await rig.stop();
    fs.rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

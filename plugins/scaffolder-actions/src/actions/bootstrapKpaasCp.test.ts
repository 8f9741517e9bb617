/*
 * kpaas:bootstrap with installer kpaas-cp on the SSH node rig. cp-deployment cannot be
 * downloaded here (the curl stand-in fails every other URL), so the test places a stand-in
 * cp-deployment tree on the first control plane whose single/deploy-cp-cluster.sh records what
 * it was given and builds the cluster like Kubespray would: kubeadm init there, then joins over
 * SSH from there (through the run's ssh-agent and the known_hosts kpaas wrote).
 */
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { execOnNode } from '@internal/kpaas-testkit';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  BootstrapHarness,
  nodeWrittenFiles,
  startBootstrapHarness,
  runBootstrapAction as runAction,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(180_000);

const NODES = [
  { name: 'demo-cp-1', role: 'control-plane' as const },
  { name: 'demo-cp-2', role: 'control-plane' as const },
  { name: 'demo-cp-3', role: 'control-plane' as const },
  { name: 'demo-worker-1', role: 'worker' as const },
];

/** Stand-in of cp-deployment's single/deploy-cp-cluster.sh (see the file comment). */
const DEPLOY_STANDIN = `#!/bin/bash
set -euo pipefail
rec=/var/lib/kpaas-standins/cp-deployment
mkdir -p "$rec"
inv=../standalone/inventory/mycluster/inventory.ini
cp "$inv" cp-cluster-vars.sh "$rec/"
{
  echo "agent_keys=$(ssh-add -l 2>/dev/null | wc -l)"
  echo "key_env=\${KPAAS_SSH_PRIVATE_KEY:+set}"
  echo "ssh_args=$ANSIBLE_SSH_ARGS"
  echo "host_key_checking=$ANSIBLE_HOST_KEY_CHECKING"
  echo "agent_sock=$SSH_AUTH_SOCK"
} >"$rec/run.env"
. ./cp-cluster-vars.sh
kubeadm init --control-plane-endpoint "$LOADBALANCER_DOMAIN:6443"
hosts_of() { awk -v g="[$1]" '$0==g{f=1;next} /^\\[/{f=0} f&&NF{print $1}' "$inv"; }
attr() { grep "^$1 " "$inv" | tr ' ' '\\n' | sed -n "s/^$2=//p" | tr -d '"'; }
first=$(hosts_of kube_control_plane | head -n1)
for n in $(hosts_of kube_control_plane) $(hosts_of kube_node); do
  [[ $n == "$first" ]] && continue
  flag=
  if hosts_of kube_control_plane | grep -qx "$n"; then flag=--control-plane; fi
  port=$(attr "$n" ansible_port)
  ssh $ANSIBLE_SSH_ARGS -p "\${port:-22}" "$(attr "$n" ansible_user)@$(attr "$n" ansible_host)" \\
    kubeadm join "$LOADBALANCER_DOMAIN:6443" --token abcdef.0123456789abcdef \\
    --discovery-token-ca-cert-hash sha256:0 $flag </dev/null
done
echo "stand-in cp-deployment done"
`;

const outputs = (ctx: any) => Object.fromEntries(ctx.output.mock.calls);

describe('kpaas:bootstrap with installer kpaas-cp (3 control planes + 1 worker)', () => {
  let h: BootstrapHarness;
  let prefix: string;
  const writeSpec = (network: Record<string, unknown>) => {
    const doc = yaml.parse(h.clusterYaml());
    doc.spec.kubernetes = {
      version: 'v1.33.5',
      installer: 'kpaas-cp',
      containerRuntime: 'cri-o',
      cni: 'calico',
    };
    doc.spec.network = { ...doc.spec.network, ...network };
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      yaml.stringify(doc),
    );
  };
  beforeAll(async () => {
    h = await startBootstrapHarness(NODES);
    prefix = h.rig.node('demo-cp-1').host.split('.').slice(0, 3).join('.');
    writeSpec({
      metallbRange: `${prefix}.210-${prefix}.250`,
      ingressIp: `${prefix}.201`,
    });
  });
  afterAll(() => h?.stop());

  it('names missing kpaas-cp fields before contacting a node', async () => {
    writeSpec({ metallbRange: undefined, ingressIp: undefined });
    const err = await runAction(h)
      .run()
      .catch(e => e);
    writeSpec({
      metallbRange: `${prefix}.210-${prefix}.250`,
      ingressIp: `${prefix}.201`,
    });
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/spec\.network\.metallbRange: /);
    expect(err.message).toMatch(/spec\.network\.ingressIp: /);
    expect(h.rig.calls('demo-cp-1')).toEqual([]);
  });

  it('refuses an inventory value that would inject Ansible variables, naming the field, before contacting a node', async () => {
    const inventory = h
      .inventory()
      .map((n, i) =>
        i === 1
          ? { ...n, user: 'root ansible_ssh_common_args=-oProxyCommand=id' }
          : n,
      );
    const err = await runAction(h, { inventory })
      .run()
      .catch(e => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(
      'inventory[1].user: "root ansible_ssh_common_args=-oProxyCommand=id" is not a POSIX user name',
    );
    for (const n of NODES) expect(h.rig.calls(n.name)).toEqual([]);
  });

  it('refuses to run without a sha256 pin for the cp-deployment archive, naming the config key', async () => {
    const err = await runAction(h, {}, { config: new ConfigReader({}) })
      .run()
      .catch(e => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(
      'kpaas.actions.downloads.cpDeployment.sha256: https://github.com/K-PaaS/cp-deployment/archive/refs/tags/v1.7.0.tar.gz has no sha256 pin',
    );
    for (const n of NODES) expect(h.rig.calls(n.name)).toEqual([]);
  });

  it('fails naming node, step and exit code when cp-deployment cannot be downloaded', async () => {
    const { run, lines } = runAction(h);
    const err = await run().catch(e => e);
    expect(err.message).toMatch(
      /^demo-cp-1: step "kpaas-cp deploy" failed with exit code 1; last \d+ lines:/,
    );
    expect(err.message).toContain(
      'cannot download https://github.com/K-PaaS/cp-deployment/archive/refs/tags/v1.7.0.tar.gz',
    );
    expect(
      h.rig
        .calls('demo-cp-1')
        .some(
          c =>
            c.cmd === 'curl' &&
            c.args.includes(
              'https://github.com/K-PaaS/cp-deployment/archive/refs/tags/v1.7.0.tar.gz',
            ),
        ),
    ).toBe(true);
    expect(lines.join('\n')).not.toContain(h.rig.privateKey.split('\n')[1]);
  });

  it('runs cp-deployment with the generated files, the key only in an agent, and registers the cluster', async () => {
    const b64 = Buffer.from(DEPLOY_STANDIN).toString('base64');
    await execOnNode(
      h.rig,
      'demo-cp-1',
      `mkdir -p /root/cp-deployment/single /root/cp-deployment/standalone/inventory/mycluster && echo ${b64} | base64 -d >/root/cp-deployment/single/deploy-cp-cluster.sh && chmod 0755 /root/cp-deployment/single/deploy-cp-cluster.sh`,
    );
    const { ctx, lines, run } = runAction(h);
    await run();
    const out = outputs(ctx);
    expect(out.nodes.map((n: any) => n.name).sort()).toEqual(
      NODES.map(n => n.name).sort(),
    );
    expect(out.phaseTimings.map((p: any) => p.phase)).toEqual([
      'connect',
      'upload scripts',
      'preflight',
      'kpaas-cp',
      'read-only access',
      'register',
      'verify nodes',
    ]);
    expect(h.registrations).toHaveLength(1);
    expect(h.registrations[0].body).toMatchObject({
      name: 'demo',
      apiServerUrl: h.api.url,
    });
    const log = lines.join('\n');
    expect(log).toContain('skip: cp-deployment already present');
    expect(log).toContain('stand-in cp-deployment done');

    const rec = (f: string) =>
      h.rig.readNodeFile(
        'demo-cp-1',
        `/var/lib/kpaas-standins/cp-deployment/${f}`,
      );
    const inv = await rec('inventory.ini');
    const node = (name: string) => h.rig.node(name);
    const line = (name: string, etcd?: number) =>
      `${name} ansible_host="${node(name).host}" ${
        node(name).port === 22 ? '' : `ansible_port=${node(name).port} `
      }ansible_user="root" ip="${node(name).host}" access_ip="${
        node(name).host
      }"${etcd ? ` etcd_member_name="etcd${etcd}"` : ''}`;
    expect(inv).toContain(
      `[all]\n${line('demo-cp-1', 1)}\n${line('demo-cp-2', 2)}\n${line(
        'demo-cp-3',
        3,
      )}\n${line('demo-worker-1')}\n`,
    );
    expect(inv).toContain(
      '[kube_control_plane]\ndemo-cp-1\ndemo-cp-2\ndemo-cp-3\n\n[etcd]\ndemo-cp-1\ndemo-cp-2\ndemo-cp-3\n\n[kube_node]\ndemo-worker-1\n\n[calico_rr]\n\n[k8s_cluster:children]\nkube_control_plane\nkube_node\ncalico_rr\n',
    );
    const vars = await rec('cp-cluster-vars.sh');
    const vip = new URL(h.api.url).hostname;
    for (const l of [
      'KUBE_CONTROL_HOSTS=3',
      'MASTER2_NODE_HOSTNAME=demo-cp-2',
      `MASTER2_NODE_PRIVATE_IP=${node('demo-cp-2').host}`,
      `LOADBALANCER_DOMAIN=${vip}`,
      'ETCD_TYPE=stacked',
      'KUBE_WORKER_HOSTS=1',
      'WORKER1_NODE_HOSTNAME=demo-worker-1',
      `METALLB_IP_RANGE=${prefix}.210-${prefix}.250`,
      `INGRESS_NGINX_IP=${prefix}.201`,
      'STORAGE_TYPE=nfs',
      'INSTALL_KYVERNO=N',
      'CSP_TYPE=',
    ]) {
      expect(vars.split('\n')).toContain(l);
    }
    // Ansible had the key through the agent only, and checked host keys against kpaas's list
    const env = await rec('run.env');
    expect(env).toContain('agent_keys=1\n');
    expect(env).toContain('key_env=\n');
    expect(env).toContain('host_key_checking=True');
    expect(env).toMatch(/StrictHostKeyChecking=yes/);
    const knownHosts = await h.rig.readNodeFile(
      'demo-cp-1',
      '/root/.kpaas/cp/known_hosts',
    );
    expect(knownHosts.trim().split('\n').sort()).toEqual(
      NODES.map(n => node(n.name).hostKeyPublic).sort(),
    );
    // the joins ran on the other nodes (over SSH from cp-1)
    for (const n of ['demo-cp-2', 'demo-cp-3', 'demo-worker-1']) {
      expect(
        h.rig.calls(n).some(c => c.cmd === 'kubeadm' && c.args[0] === 'join'),
      ).toBe(true);
    }
    expect(
      h.rig
        .calls('demo-cp-2')
        .find(c => c.cmd === 'kubeadm' && c.args[0] === 'join')!.args,
    ).toContain('--control-plane');

    // no private key material left on any node, the agent is gone
    const keyLine = h.rig.privateKey.split('\n')[1];
    expect(log).not.toContain(keyLine);
    for (const n of NODES) {
      for (const [file, content] of nodeWrittenFiles(h.rig, n.name)) {
        if (content.includes(keyLine) || content.includes('PRIVATE KEY'))
          throw new Error(`${n.name}:${file} contains the private key`);
      }
    }
    const sock = /^agent_sock=(\S+)$/m.exec(env)![1];
    const agentGone = await execOnNode(
      h.rig,
      'demo-cp-1',
      `test -e ${sock} || test -e $(dirname ${sock}) && echo left || echo gone`,
    );
    expect(agentGone.stdout.trim()).toBe('gone');
  });

  it('skips cp-deployment on a re-run when the cluster is complete', async () => {
    const inits = () =>
      h.rig
        .calls('demo-cp-1')
        .filter(c => c.cmd === 'kubeadm' && c.args[0] === 'init').length;
    const before = inits();
    const { ctx, lines, run } = runAction(h);
    await run();
    expect(inits()).toBe(before);
    expect(lines.join('\n')).toContain(
      'kpaas-cp: demo-cp-1 has /etc/kubernetes/admin.conf and every node has joined; skipped',
    );
    expect(outputs(ctx).nodes).toHaveLength(4);
  });
});

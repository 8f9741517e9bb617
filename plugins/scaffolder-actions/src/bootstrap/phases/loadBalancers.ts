import { randomBytes } from 'node:crypto';
import { runOnNodes } from '../../ssh';
import type { BootstrapRun } from '../context';

/**
 * HAProxy + keepalived on the lb machines (endpoint type vip): the API VIP in front of every
 * control plane. The VRRP password of a configured pair is reused, so a re-run changes nothing.
 */
export async function loadBalancers(run: BootstrapRun): Promise<void> {
  const { nodes, endpoints, recorder } = run;
  let password: string | undefined;
  for (const n of nodes.lbs) {
    const r = await run
      .session(n)
      .exec(
        'read vrrp password',
        "sed -n 's/^ *auth_pass //p' /etc/keepalived/keepalived.conf 2>/dev/null || true",
        { quiet: true },
      );
    password ||= r.stdout.trim() || undefined;
  }
  password ||= randomBytes(6).toString('base64url'); // VRRP PASS auth uses 8 characters
  recorder.addSecret(password);
  const backends = nodes.controlPlanes
    .map(cp => `${cp.name}=${cp.privateAddress ?? cp.address}:6443`)
    .join(' ');
  await runOnNodes(
    nodes.lbs.map(run.session),
    run.ctx.input.concurrency,
    s =>
      run.step(s, 'load balancer', run.script(s, 'lb.sh'), {
        env: {
          VIP: endpoints.apiVip!,
          API_PORT: String(endpoints.apiServerPort),
          BACKENDS: backends,
          VRRP_PRIORITY: s.name === nodes.lbs[0].name ? '150' : '100',
          VRRP_ROUTER_ID: String(51),
        },
        secretEnv: { VRRP_PASSWORD: password! },
      }),
    'load balancers',
  );
}

import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  AddonPlanError,
  buildAddonPlan,
  formatPlanTable,
  planRows,
} from './plan';

// eslint-disable-next-line no-restricted-syntax
const PACK = path.resolve(__dirname, '../../../../values');
const packRoot = path.dirname(PACK);
const catalogText = fs.readFileSync(path.join(PACK, 'addons.yaml'), 'utf8');
const readPackFile = (p: string) => {
  try {
    return fs.readFileSync(path.join(packRoot, p), 'utf8');
  } catch {
    return undefined;
  }
};

function spec(addons: unknown[], network: Record<string, unknown> = {}) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'lab',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: 'lab-cp-1', role: 'control-plane', address: '10.10.0.11' },
          { name: 'lab-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: '10.10.0.199',
        domain: 'lab.example.com',
        ...network,
      },
      addons,
    },
  });
}

function plan(
  addons: unknown[],
  repoFiles: Record<string, string> = {},
  network = {},
) {
  return buildAddonPlan({
    specText: spec(addons, network),
    catalogText,
    readPackFile,
    readRepoFile: p => repoFiles[p],
  });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof AddonPlanError) return e.problems;
    throw e;
  }
  throw new Error('expected an AddonPlanError');
}

describe('buildAddonPlan', () => {
  it('orders the install set in waves with pinned charts', () => {
    const p = plan([
      { id: 'metallb' },
      { id: 'ingress-nginx' },
      { id: 'istio-base' },
      { id: 'istiod' },
      { id: 'istio-gateway' },
      { id: 'cert-manager' },
    ]);
    expect(p.waves).toEqual([
      ['metallb', 'cert-manager', 'istio-base'],
      ['ingress-nginx', 'istiod'],
      ['istio-gateway'],
    ]);
    const nginx = p.addons.find(a => a.id === 'ingress-nginx')!;
    expect(nginx.chart).toMatchObject({
      ref: 'kpaas-kubernetes-github-io-ingress-nginx/ingress-nginx',
      version: '4.15.1',
    });
    expect(nginx.valuesFiles[0].content).toContain(
      'metallb.io/loadBalancerIPs: "10.10.0.199"',
    );
    const cm = p.addons.find(a => a.id === 'cert-manager')!;
    expect(cm.chart?.ref).toBe('oci://quay.io/jetstack/charts/cert-manager');
    expect(cm.chart?.repoName).toBeUndefined();
    expect(planRows(p)[0]).toEqual({
      wave: 0,
      id: 'metallb',
      chart: 'metallb',
      version: '0.16.1',
      namespace: 'metallb-system',
    });
    expect(formatPlanTable(planRows(p))).toMatch(
      /^wave\s+add-on\s+chart@version\s+namespace/,
    );
  });

  it('renders the MetalLB pool from metallbRange and STRICT mTLS for istiod', () => {
    const p = plan([{ id: 'metallb' }, { id: 'istio-base' }, { id: 'istiod' }]);
    const metallb = p.addons.find(a => a.id === 'metallb')!;
    const pool = yaml.parse(metallb.manifests[0].text);
    expect(pool).toMatchObject({
      kind: 'IPAddressPool',
      metadata: { namespace: 'metallb-system' },
      spec: { addresses: ['10.10.0.200-10.10.0.220'] },
    });
    expect(yaml.parse(metallb.manifests[1].text).kind).toBe('L2Advertisement');
    const istiod = p.addons.find(a => a.id === 'istiod')!;
    expect(yaml.parse(istiod.manifests[0].text).spec.mtls.mode).toBe('STRICT');
    expect(istiod.requiresCrds).toContain(
      'peerauthentications.security.istio.io',
    );
  });

  it('plans generated credentials and UI Ingresses, keeping secret tokens for install time', () => {
    const p = plan([
      { id: 'argo-cd' },
      { id: 'kiali' },
      { id: 'kube-prometheus-stack' },
      { id: 'istio-base' },
      { id: 'istiod' },
    ]);
    const argo = p.addons.find(a => a.id === 'argo-cd')!;
    expect(argo.credentials).toEqual({
      secretName: 'argocd-admin',
      namespace: 'argocd',
      keys: ['username', 'password'],
    });
    expect(argo.valuesFiles[0].secretTokens).toEqual([
      { secret: 'argocd-admin', key: 'password', bcrypt: true },
    ]);
    const ingress = yaml.parse(argo.manifests[0].text);
    expect(ingress.spec.rules[0].host).toBe('argocd.lab.example.com');
    expect(
      ingress.spec.rules[0].http.paths[0].backend.service.port.number,
    ).toBe(80);
    // kiali's token Secret is a postInstall manifest: not generated
    const kiali = p.addons.find(a => a.id === 'kiali')!;
    expect(kiali.credentials).toBeUndefined();
    expect(kiali.credentialsRef?.secretName).toBe('kiali-viewer-token');
  });

  it('overlays the cluster repo file and inline values after the pack defaults', () => {
    const p = plan(
      [
        { id: 'metallb' },
        { id: 'ingress-nginx', values: { 'controller.replicaCount': 3 } },
      ],
      {
        'values/ingress-nginx.yaml':
          'controller:\n  config:\n    use-gzip: "true"\n',
      },
    );
    const files = p.addons.find(a => a.id === 'ingress-nginx')!.valuesFiles;
    expect(files.map(f => f.source)).toEqual([
      'values/ingress-nginx/values.yaml',
      'values/ingress-nginx.yaml',
      'cluster.yaml spec.addons[1].values',
    ]);
    expect(yaml.parse(files[2].content)).toEqual({
      controller: { replicaCount: 3 },
    });
  });

  it('rejects an override key the add-on does not have and suggests the closest one', () => {
    const problems = problemsOf(() =>
      plan([{ id: 'metallb' }, { id: 'ingress-nginx' }], {
        'values/ingress-nginx.yaml':
          'controller:\n  servce:\n    type: NodePort\n',
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      '"controller.servce" is not a value of ingress-nginx; did you mean controller.service?',
    );
  });

  it('rejects unknown add-on ids and LoadBalancer add-ons without MetalLB before anything runs', () => {
    expect(
      problemsOf(() => plan([{ id: 'no-such-addon' }])).join('\n'),
    ).toMatch(/spec\.addons\[0\]\.id.*no-such-addon/s);
    expect(
      problemsOf(() => plan([{ id: 'ingress-nginx' }])).join('\n'),
    ).toMatch(/LoadBalancer Service.*metallb/s);
    // a values override that turns a Service into a LoadBalancer is caught too
    expect(
      problemsOf(() =>
        plan([
          {
            id: 'argo-cd',
            values: { server: { service: { type: 'LoadBalancer' } } },
          },
        ]),
      ).join('\n'),
    ).toMatch(
      /server\.service\.type is LoadBalancer but no add-on provides "load-balancer"/,
    );
  });

  it('rejects a catalog with a dependency cycle', () => {
    const cyclic = catalogText.replace(
      /(id: metallb\n(?:.*\n)*?    category: networking\n)/,
      '$1    dependsOn: [ingress-nginx]\n',
    );
    expect(cyclic).not.toBe(catalogText);
    const problems = problemsOf(() =>
      buildAddonPlan({
        specText: spec([{ id: 'metallb' }, { id: 'ingress-nginx' }]),
        catalogText: cyclic,
        readPackFile,
        readRepoFile: () => undefined,
      }),
    );
    expect(problems.join('\n')).toMatch(/cycle/);
  });

  it('reports a script add-on whose script is missing from the cluster repo', () => {
    expect(
      problemsOf(() => plan([{ id: 'local-path-provisioner' }])).join('\n'),
    ).toContain(
      'scripts/addons/helm-git-chart.sh is missing from the cluster repo',
    );
    const p = plan([{ id: 'local-path-provisioner' }], {
      'scripts/addons/helm-git-chart.sh': '#!/bin/bash\n',
    });
    expect(p.addons[0]).toMatchObject({ type: 'script', version: 'v0.0.37' });
  });

  it('names the catalog field when the Gateway API implementation has no GatewayClass of that name', () => {
    const wrong = catalogText.replace(
      'gatewayClassName: kpaas-envoy',
      'gatewayClassName: kpaas-envoyy',
    );
    expect(wrong).not.toBe(catalogText);
    const problems = problemsOf(() =>
      buildAddonPlan({
        specText: spec([{ id: 'metallb' }, { id: 'envoy-gateway' }]),
        catalogText: wrong,
        readPackFile,
        readRepoFile: () => undefined,
      }),
    );
    expect(problems).toEqual([
      'envoy-gateway: gatewayApi.gatewayClassName is "kpaas-envoyy", but no postInstall GatewayClass has that name (found: kpaas-envoy); add the GatewayClass template or fix the name',
    ]);
  });

  it('keeps the UI Ingress templates under ingress-nginx and plans no Gateway API objects', () => {
    const p = plan([
      { id: 'metallb' },
      { id: 'ingress-nginx' },
      { id: 'argo-cd' },
    ]);
    expect(p.routing.via).toBe('ingress');
    const argo = p.addons.find(a => a.id === 'argo-cd')!;
    expect(argo.manifests.map(m => m.kind)).toEqual(['Ingress']);
    expect(p.addons.flatMap(a => a.gatewayApiObjects)).toEqual([]);
  });
});

import { parse as parseYaml } from 'yaml';
import { fixtureCatalog } from './__fixtures__/testSpecs';
import { deriveResourceTotals } from './derive';
import { formatSpecErrors } from './errors';
import {
  ClusterOrderForm,
  clusterOrderFormSchema,
  clusterSpecFromForm,
  formatOrderFormErrors,
  previewClusterSpecFromForm,
} from './form';
import { renderClusterYaml, renderHostsSnippet } from './render';
import { ClusterSpec } from './schema';
import { clusterSummary } from './summary';
import { parseClusterSpec } from './validate';

const catalog = fixtureCatalog();

/** What the Backstage form submits for a Kakao Cloud order (defaults filled in). */
const kakaoForm = (change: Partial<ClusterOrderForm> = {}): ClusterOrderForm =>
  clusterOrderFormSchema.parse({
    name: 'alpha',
    owner: 'group:default/platform-team',
    environment: 'dev',
    target: 'kakao-cloud',
    kakao: {
      region: 'kr-central-2',
      availabilityZone: 'kr-central-2-a',
      image: 'Ubuntu 24.04',
      controlPlaneFlavor: 't1i.large',
      workerFlavor: 't1i.xlarge',
      volumeSizeGiB: 200,
      keyPair: 'KPAAS_KEYPAIR',
      vpcCidr: '172.16.0.0/16',
    },
    // a stale block of another target the form kept: ignored
    multipass: { image: 'junk' },
    controlPlaneCount: 3,
    workerCount: 3,
    kubernetesVersion: 'v1.33.5',
    installer: 'kubeadm',
    containerRuntime: 'containerd',
    cni: 'calico',
    podCidr: '10.233.64.0/18',
    serviceCidr: '10.233.0.0/18',
    domain: 'k-paas.io',
    apiEndpointType: 'auto',
    addons: ['kiali'],
    sshUser: 'ubuntu',
    sshPort: 22,
    // keys the form has that are not part of the spec
    repoUrl: 'github.com?owner=a&repo=b',
    sshPrivateKey: '******',
    ...change,
  });

function specOf(form: ClusterOrderForm) {
  const result = clusterSpecFromForm(form, catalog);
  if (!result.ok) throw new Error(formatOrderFormErrors(result.errors));
  return result;
}

describe('clusterSpecFromForm', () => {
  it('maps a Kakao order with the target defaults and the add-ons closure', () => {
    const { spec, implied } = specOf(kakaoForm());
    expect(spec.spec.target).toMatchObject({
      type: 'kakao-cloud',
      keyPair: 'KPAAS_KEYPAIR',
      subnetCidr: '172.16.0.0/24',
    });
    expect(spec.spec.network).toMatchObject({
      nodeCidr: '172.16.0.0/24',
      ingressIp: '172.16.0.201',
      metallbRange: '172.16.0.210-172.16.0.250',
    });
    expect(spec.spec.controlPlane.endpoint.type).toBeUndefined();
    // kiali brings kube-prometheus-stack and istiod (and istiod istio-base), in catalog order
    expect(spec.spec.addons.map(a => a.id)).toEqual(
      catalog.addons
        .map(a => a.id)
        .filter(id =>
          ['istio-base', 'istiod', 'kube-prometheus-stack', 'kiali'].includes(
            id,
          ),
        ),
    );
    expect(implied.sort()).toEqual([
      'istio-base',
      'istiod',
      'kube-prometheus-stack',
    ]);
  });

  it('takes the node network per target when the form leaves it empty', () => {
    const form = {
      ...kakaoForm({ addons: [] }),
      target: 'multipass' as const,
      nodeCidr: '',
    };
    expect(specOf(form).spec.spec.network.nodeCidr).toBe('192.168.64.0/24');
    expect(
      specOf({ ...form, nodeCidr: '10.20.30.0/24' }).spec.spec.network,
    ).toMatchObject({ ingressIp: '10.20.30.201' });
  });

  it('reports every problem at once by form field, before anything is written', () => {
    const result = clusterSpecFromForm(
      kakaoForm({
        kakao: { keyPair: 'bad key' },
        workerCount: 0,
        controlPlaneCount: 2,
        addons: ['no-such-addon'],
      }),
      catalog,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.errors.map(e => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'kakao.keyPair',
        'workerCount',
        'controlPlaneCount',
        'addons',
      ]),
    );
    const text = formatOrderFormErrors(result.errors);
    expect(text).toContain('kakao.keyPair (cluster.yaml spec.target.keyPair)');
    expect(text).toContain('"no-such-addon" is not in the add-on catalog');
  });
});

describe('previewClusterSpecFromForm', () => {
  it('adds up a half-typed form: refused values fall back to the defaults', () => {
    const spec = previewClusterSpecFromForm({
      target: 'kakao-cloud',
      kakao: { workerFlavor: 't1i.', volumeSizeGiB: 100 },
      controlPlaneCount: 1,
      workerCount: 'x',
    })!;
    expect(spec.spec.target).toMatchObject({
      workerFlavor: 't1i.xlarge',
      volumeSizeGiB: 100,
    });
    expect(spec.spec.controlPlane.count).toBe(1);
    expect(spec.spec.workers.count).toBe(3);
  });

  it('counts the existing hosts usable so far and waits for a target', () => {
    const spec = previewClusterSpecFromForm({
      target: 'existing',
      existing: {
        hosts: [
          { name: 'a', role: 'control-plane', address: '10.0.0.1' },
          { name: 'b' },
          { name: 'c', role: 'worker', address: '10.0.0.3' },
        ],
      },
    })!;
    expect(deriveResourceTotals(spec).roles.map(r => [r.role, r.machines])).toEqual([
      ['control-plane', 1],
      ['worker', 1],
    ]);
    expect(previewClusterSpecFromForm({ name: 'x' })).toBeUndefined();
  });
});

describe('files and text from the spec', () => {
  const { spec, implied } = specOf(kakaoForm());

  it('renderClusterYaml writes the spec back exactly, with the header and dependency comments', () => {
    const text = renderClusterYaml(spec, { implied });
    expect(text.startsWith('# kpaas cluster spec')).toBe(true);
    expect(text).toMatch(/- id: istiod # dependency/);
    expect(text).not.toMatch(/- id: kiali #/);
    const reparsed = parseClusterSpec(text, { catalog });
    if (!reparsed.ok) throw new Error(formatSpecErrors(reparsed.errors));
    expect(reparsed.spec).toEqual(spec);
    expect(parseYaml(text).spec.target.region).toBe('kr-central-2');
  });

  it('renderHostsSnippet maps the ingress address to the UI names, appending only', () => {
    const snippet = renderHostsSnippet(spec, catalog);
    expect(snippet.split('\n')[0]).toMatch(/^# Generated from cluster.yaml/);
    const lines = snippet.split('\n').filter(l => l && !l.startsWith('#'));
    expect(lines).toEqual(['172.16.0.201 grafana.k-paas.io kiali.k-paas.io']);
    expect(snippet).toContain('tee -a /etc/hosts');
  });

  it('clusterSummary gives totals, planned addresses, what only apply knows, add-ons and the plan', () => {
    const text = clusterSummary(spec, {
      catalog,
      implied,
      plan: { add: 20, change: 0, destroy: 0 },
    });
    const totals = deriveResourceTotals(spec);
    expect(text).toContain(
      `**Total:** ${totals.total.machines} machines, ${totals.total.vcpu} vCPU, ${totals.total.memoryGiB} GiB memory, ${totals.total.diskGiB} GiB disk`,
    );
    expect(text).toContain('| alpha-cp-1 | control-plane | 172.16.0.101 |');
    expect(text).toContain('**API server:** assigned at apply (lb)');
    expect(text).toContain('- `istiod`: Istiod (dependency)');
    expect(text).toMatch(/- `kiali`: Kiali, https?:\/\/kiali\.k-paas\.io\/kiali/);
    expect(text).toContain('**Terraform plan:** 20 to add, 0 to change, 0 to destroy.');
  });

  it('multipass addresses are assigned at apply (Multipass DHCP)', () => {
    const multipass: ClusterSpec = specOf({
      ...kakaoForm({ addons: [] }),
      target: 'multipass',
    }).spec;
    const text = clusterSummary(multipass, { catalog });
    expect(text).toContain(
      '| alpha-cp-1 | control-plane | assigned at apply (Multipass DHCP) |',
    );
    expect(text).toContain('**Add-ons:** none');
  });
});

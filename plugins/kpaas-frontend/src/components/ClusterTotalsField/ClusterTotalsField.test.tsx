import { configure, screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import {
  ClusterSpec,
  defaultClusterSpec,
  deriveResourceTotals,
  previewClusterSpecFromForm,
  ResourceTotals,
} from '@internal/plugin-kpaas-common';
import {
  ClusterTotalsField,
  ClusterTotalsFieldProps,
} from './ClusterTotalsField';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

/** The props the scaffolder's Stepper gives a field: the whole form as formContext.formData. */
async function renderField(formData: Record<string, unknown> | undefined) {
  const onChange = jest.fn();
  const props = {
    name: 'resourceTotals',
    schema: {
      title: 'Resource totals',
      type: 'object',
      description: 'What the order adds up to.',
    },
    uiSchema: { 'ui:field': 'KpaasClusterTotals' },
    idSchema: { $id: 'root_resourceTotals' },
    formData: undefined,
    formContext: formData && { formData },
    onChange,
    onBlur: jest.fn(),
    onFocus: jest.fn(),
    errorSchema: {},
    rawErrors: [],
    required: false,
    disabled: false,
    readonly: false,
    registry: {},
  } as unknown as ClusterTotalsFieldProps;
  await renderInTestApp(<ClusterTotalsField {...props} />);
  return { onChange };
}

function cells(testId: string) {
  return Array.from(screen.getByTestId(testId).querySelectorAll('th, td')).map(
    c => c.textContent,
  );
}

/** The table's figures must be exactly deriveResourceTotals' figures. */
function expectTable(totals: ResourceTotals) {
  for (const role of totals.roles) {
    const row = cells(`totals-${role.role}`);
    expect(row[0]).toBe(role.role);
    expect(row[1]).toBe(String(role.machines));
    expect(row.slice(3)).toEqual(
      [role.vcpu, role.memoryGiB, role.diskGiB].map(v =>
        v === undefined ? '?' : String(v),
      ),
    );
  }
  expect(cells('totals-total').filter((_, i) => i !== 0 && i !== 2)).toEqual(
    [
      totals.total.machines,
      totals.total.vcpu,
      totals.total.memoryGiB,
      totals.total.diskGiB,
    ].map(String),
  );
}

const kakaoOrder = {
  name: 'team-a-dev',
  environment: 'dev',
  target: 'kakao-cloud',
  kakao: {
    region: 'kr-central-2',
    availabilityZone: 'kr-central-2-a',
    image: 'Ubuntu 24.04',
    controlPlaneFlavor: 't1i.large',
    workerFlavor: 't1i.xlarge',
    volumeSizeGiB: 200,
    keyPair: 'team-a',
    vpcCidr: '172.16.0.0/16',
  },
  controlPlaneCount: 3,
  workerCount: 3,
  repoUrl: 'github.com?owner=a&repo=b',
};

const multipassOrder = {
  name: 'lab',
  environment: 'sandbox',
  target: 'multipass',
  multipass: {
    image: '24.04',
    controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
    worker: { cpus: 4, memoryGiB: 8, diskGiB: 60 },
  },
  controlPlaneCount: 1,
  workerCount: 1,
};

describe('KpaasClusterTotals field', () => {
  it('shows the totals of a 3 + 3 Kakao Cloud order', async () => {
    const { onChange } = await renderField(kakaoOrder);
    expect(
      await screen.findByTestId('kpaas-cluster-totals'),
    ).toBeInTheDocument();

    // an independent ClusterSpec of the same order: the seed's 3 + 3, t1i.large / t1i.xlarge, 200 GiB
    const expected = deriveResourceTotals(
      defaultClusterSpec('team-a-dev', 'kakao-cloud'),
    );
    expect(expected.total).toEqual({
      machines: 6,
      vcpu: 18,
      memoryGiB: 72,
      diskGiB: 1200,
    });
    expectTable(expected);
    expect(cells('totals-control-plane')).toEqual([
      'control-plane',
      '3',
      '2 vCPU / 8 GiB / 200 GiB',
      '6',
      '24',
      '600',
    ]);
    expect(screen.getByTestId('totals-notes')).toHaveTextContent(
      'master and worker NLBs are managed by Kakao Cloud and not counted',
    );
    // read-only: the field never writes into the parameters
    expect(onChange).not.toHaveBeenCalled();
  });

  it('shows the totals of a 1 + 1 Multipass order with its own VM sizes', async () => {
    await renderField(multipassOrder);
    expect(
      await screen.findByTestId('kpaas-cluster-totals'),
    ).toBeInTheDocument();

    const base = defaultClusterSpec('lab', 'multipass');
    const spec: ClusterSpec = {
      ...base,
      spec: {
        ...base.spec,
        target: {
          ...(base.spec.target as Extract<
            ClusterSpec['spec']['target'],
            { type: 'multipass' }
          >),
          controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
          worker: { cpus: 4, memoryGiB: 8, diskGiB: 60 },
        },
        controlPlane: { ...base.spec.controlPlane, count: 1 },
        workers: { ...base.spec.workers, count: 1 },
      },
    };
    const expected = deriveResourceTotals(spec);
    expect(expected.total).toEqual({
      machines: 2,
      vcpu: 6,
      memoryGiB: 12,
      diskGiB: 100,
    });
    expectTable(expected);
    expect(cells('totals-worker')[2]).toBe('4 vCPU / 8 GiB / 60 GiB');
    expect(screen.queryByTestId('totals-notes')).not.toBeInTheDocument();
  });

  it('lists an unknown Kakao flavor as not counted, as deriveResourceTotals reports it', async () => {
    await renderField({
      ...kakaoOrder,
      kakao: { ...kakaoOrder.kakao, workerFlavor: 'm2a.4xlarge' },
    });
    expect(
      await screen.findByTestId('kpaas-cluster-totals'),
    ).toBeInTheDocument();
    expect(cells('totals-worker').slice(3)).toEqual(['?', '?', '600']);
    expect(cells('totals-total')[0]).toBe('Total (known figures)');
    expect(cells('totals-total')[3]).toBe('6');
    expect(screen.getByTestId('totals-notes')).toHaveTextContent(
      'flavor m2a.4xlarge is not in the kpaas flavor table: its vCPU and memory are not counted',
    );
  });

  it('follows the vagrant lb pair and counts the existing hosts entered so far by role', async () => {
    const vagrant = (lbPair: boolean) =>
      deriveResourceTotals(
        previewClusterSpecFromForm({
          target: 'vagrant',
          vagrant: { lbPair },
          controlPlaneCount: 1,
          workerCount: 2,
        })!,
      );
    expect(vagrant(true).roles.map(r => r.role)).toEqual([
      'control-plane',
      'worker',
      'lb',
    ]);
    expect(vagrant(false).roles.map(r => r.role)).toEqual([
      'control-plane',
      'worker',
    ]);

    // a host still being typed (no role, no address yet) is not counted
    await renderField({
      target: 'existing',
      existing: {
        hosts: [
          { name: 'a', role: 'control-plane', address: '10.0.0.1' },
          { name: 'b', role: 'worker', address: '10.0.0.2' },
          { name: 'c' },
        ],
      },
      controlPlaneCount: 1,
      workerCount: 1,
    });
    expect(
      await screen.findByTestId('kpaas-cluster-totals'),
    ).toBeInTheDocument();
    expect(cells('totals-control-plane').slice(0, 3)).toEqual([
      'control-plane',
      '1',
      'size unknown',
    ]);
    expect(cells('totals-worker')[1]).toBe('1');
    expect(cells('totals-total')[0]).toBe('Total (known figures)');
  });

  it('asks for a target before there is anything to add up', async () => {
    await renderField({ name: 'x' });
    expect(
      await screen.findByText(/Choose a target first/),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('kpaas-cluster-totals'),
    ).not.toBeInTheDocument();
  });
});

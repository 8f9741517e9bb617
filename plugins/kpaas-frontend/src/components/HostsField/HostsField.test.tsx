import { configure, fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { HostEntry, HostsField, HostsFieldProps } from './HostsField';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

// The hosts array of the kpaas-cluster template (existing.hosts), reduced to what the field reads.
const schema = {
  title: 'Hosts',
  type: 'array',
  description: 'One entry per machine.',
  items: {
    type: 'object',
    required: ['name', 'role', 'address', 'hostKeyFingerprint'],
    properties: {
      role: { type: 'string', enum: ['control-plane', 'worker', 'lb'] },
    },
  },
};

const FP = `SHA256:${'A'.repeat(43)}`;

async function renderHosts(
  formData: HostEntry[] | undefined,
  errorSchema: Record<string, unknown> = {},
) {
  const onChange = jest.fn();
  const props = {
    name: 'hosts',
    schema,
    uiSchema: { 'ui:field': 'KpaasHostsField' },
    idSchema: { $id: 'root_existing_hosts' },
    formData,
    onChange,
    onBlur: jest.fn(),
    onFocus: jest.fn(),
    errorSchema,
    rawErrors: [],
    required: true,
    disabled: false,
    readonly: false,
    registry: {},
  } as unknown as HostsFieldProps;
  await renderInTestApp(<HostsField {...props} />);
  return { onChange };
}

const hosts: HostEntry[] = [
  {
    name: 'cp-1',
    role: 'control-plane',
    address: '10.0.0.11',
    hostKeyFingerprint: FP,
  },
  {
    name: 'worker-1',
    role: 'worker',
    address: '10.0.0.21',
    port: 2222,
    user: 'admin',
    hostKeyFingerprint: FP,
  },
];

describe('HostsField', () => {
  it('shows one row per host with every column, required ones marked', async () => {
    await renderHosts(hosts);
    const rows = screen.getAllByTestId('kpaas-host-row');
    expect(rows).toHaveLength(2);
    const heads = screen.getAllByRole('columnheader').map(h => h.textContent);
    expect(heads).toEqual([
      'Name *',
      'Role *',
      'Address *',
      'Port',
      'User',
      'Host key fingerprint *',
      '',
    ]);
    const second = within(rows[1]);
    expect(
      (second.getByLabelText('Address of host 2') as HTMLInputElement).value,
    ).toBe('10.0.0.21');
    expect(
      (second.getByLabelText('Port of host 2') as HTMLInputElement).value,
    ).toBe('2222');
    expect(
      (second.getByLabelText('User of host 2') as HTMLInputElement).value,
    ).toBe('admin');
  });

  it('edits a cell into the hosts array (numbers for the port, empty cells dropped)', async () => {
    const { onChange } = await renderHosts(hosts);
    fireEvent.change(screen.getByLabelText('Address of host 1'), {
      target: { value: '10.0.0.12' },
    });
    expect(onChange).toHaveBeenLastCalledWith([
      { ...hosts[0], address: '10.0.0.12' },
      hosts[1],
    ]);
    fireEvent.change(screen.getByLabelText('Port of host 2'), {
      target: { value: '22' },
    });
    expect(onChange.mock.calls.at(-1)![0][1].port).toBe(22);
    fireEvent.change(screen.getByLabelText('User of host 2'), {
      target: { value: '' },
    });
    expect(onChange.mock.calls.at(-1)![0][1]).not.toHaveProperty('user');
  });

  it('adds a first control plane, then workers', async () => {
    const { onChange } = await renderHosts([]);
    fireEvent.click(screen.getByRole('button', { name: /add host/i }));
    expect(onChange).toHaveBeenLastCalledWith([{ role: 'control-plane' }]);
  });

  it('removes a host', async () => {
    const { onChange } = await renderHosts(hosts);
    fireEvent.click(screen.getByRole('button', { name: 'Remove host 1' }));
    expect(onChange).toHaveBeenLastCalledWith([hosts[1]]);
    fireEvent.click(screen.getByRole('button', { name: /add host/i }));
    expect(onChange).toHaveBeenLastCalledWith([...hosts, { role: 'worker' }]);
  });

  it('shows the schema errors under their cell', async () => {
    await renderHosts(hosts, {
      1: { address: { __errors: ['must match pattern'] } },
    });
    const row = screen.getAllByTestId('kpaas-host-row')[1];
    expect(within(row).getByText('must match pattern')).toBeTruthy();
  });
});

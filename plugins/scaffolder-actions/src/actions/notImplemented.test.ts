import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { NotImplementedError } from '@backstage/errors';
import { createAddonsAction } from './addons';
import { createBootstrapAction } from './bootstrap';
import { createProvisionAction } from './provision';

// Until their issues land, the handlers must fail loudly instead of pretending to succeed.
describe.each([
  ['kpaas:provision', createProvisionAction],
  ['kpaas:bootstrap', createBootstrapAction],
  ['kpaas:addons', createAddonsAction],
])('%s before its implementation', (id, create) => {
  it('throws NotImplementedError and emits no output', async () => {
    const action = create();
    expect(action.id).toBe(id);
    const ctx = createMockActionContext({ input: {} as any });
    await expect(action.handler(ctx as any)).rejects.toThrow(NotImplementedError);
    expect(ctx.output).not.toHaveBeenCalled();
  });
});

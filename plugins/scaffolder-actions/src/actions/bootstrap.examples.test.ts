import { mockServices } from '@backstage/backend-test-utils';
import Ajv from 'ajv';
import yaml from 'yaml';
import { createBootstrapAction } from './bootstrap';
import { examples } from './bootstrap.examples';

describe('kpaas:bootstrap examples', () => {
  it('are valid input for the action schema', () => {
    const action = createBootstrapAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      permissions: mockServices.permissions(),
    });
    // the scaffolder validates step input against the JSON schema generated from the zod schema
    const validate = new Ajv({ strict: false }).compile(
      (action.schema as any).input,
    );
    expect(examples.length).toBeGreaterThan(0);
    for (const ex of examples) {
      const doc = yaml.parse(ex.example);
      for (const step of doc.steps) {
        expect(step.action).toBe('kpaas:bootstrap');
        // template expressions are resolved before validation: replace them with sample data
        const input = {
          ...step.input,
          repoUrl: 'github.com?owner=acme&repo=demo-cluster',
        };
        expect(validate(input)).toBe(true);
        expect(validate({ ...input, concurrency: 0 })).toBe(false);
        // the machines come from kpaas-backend by cluster name, never from the step input
        expect(Object.keys(input)).not.toContain('inventory');
      }
    }
  });
});

import { mockServices } from '@backstage/backend-test-utils';
import Ajv from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { createAddonsAction } from './addons';
import { createBootstrapAction } from './bootstrap';

/*
 * The templates pass only the repository and the cluster name between the kpaas steps: the
 * machines live in kpaas-backend (kpaas:provision stores them, kpaas:bootstrap and kpaas:addons
 * read them by cluster name), so no step rebuilds another step's output in an expression.
 */

// eslint-disable-next-line no-restricted-syntax
const templates = path.resolve(__dirname, '../../../../templates');
const TEMPLATES = ['kpaas-cluster', 'kpaas-cluster-apply'];

const services = {
  discovery: mockServices.discovery(),
  auth: mockServices.auth(),
  permissions: mockServices.permissions(),
};
const actions = {
  'kpaas:bootstrap': createBootstrapAction(services),
  'kpaas:addons': createAddonsAction(services),
};

/** What the scaffolder would have resolved each input's expression to. */
const SAMPLE: Record<string, unknown> = {
  repoUrl: 'github.com?owner=acme&repo=demo-cluster',
  sshUser: 'ubuntu',
  clusterName: 'demo',
};

function kpaasSteps(template: string) {
  const doc = yaml.parse(
    fs.readFileSync(path.join(templates, template, 'template.yaml'), 'utf8'),
  );
  return (doc.spec.steps as any[]).filter(s => s.action in actions);
}

describe.each(TEMPLATES)('%s: the bootstrap and add-ons steps', template => {
  it('read no step output but the cluster name', () => {
    const steps = kpaasSteps(template);
    expect(steps.map(s => s.action).sort()).toEqual([
      'kpaas:addons',
      'kpaas:bootstrap',
    ]);
    for (const step of steps) {
      const refs = [
        ...JSON.stringify(step.input).matchAll(
          /steps(?:\.|\[')[\w-]+(?:'\])?\.output\.([\w.[\]]+)/g,
        ),
      ].map(m => m[1]);
      expect({ step: step.id, refs }).toEqual({
        step: step.id,
        refs: refs.filter(r => r === 'clusterName'),
      });
      expect(Object.keys(step.input)).not.toContain('inventory');
      expect(Object.keys(step.input)).not.toContain('controlPlane');
    }
  });

  it('are valid input for the actions', () => {
    for (const step of kpaasSteps(template)) {
      const schema = (
        actions[step.action as keyof typeof actions].schema as any
      ).input;
      const validate = new Ajv({ strict: false }).compile(schema);
      const input = Object.fromEntries(
        Object.entries(step.input).map(([k, v]) => [
          k,
          typeof v === 'string' && v.includes('${{') ? SAMPLE[k] : v,
        ]),
      );
      expect({
        step: step.id,
        valid: validate(input),
        errors: validate.errors,
      }).toEqual({ step: step.id, valid: true, errors: null });
    }
  });
});

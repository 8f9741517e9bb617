import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import { withOutputTail } from '@internal/plugin-kpaas-common';
import { KpaasTaskPage } from './TaskPage';

const MESSAGE = withOutputTail(
  'terraform init could not install hashicorp/null: it is not in the filesystem mirror /m.\nkpaas:provision phase "init" (terraform init) failed (exit 1).',
  '╷\n│ Error: Failed to query available provider packages\n╵',
);

const task = {
  id: 'task-1',
  status: 'failed',
  createdAt: '2026-12-03T16:00:00Z',
  spec: {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    parameters: { name: 'lab' },
    output: {},
    steps: [
      { id: 'fetch', name: 'Fetch', action: 'fetch:template', input: {} },
      {
        id: 'provision',
        name: 'Provision',
        action: 'kpaas:provision',
        input: {},
      },
    ],
    templateInfo: {
      entityRef: 'template:default/kpaas-cluster',
      entity: {
        metadata: {
          name: 'kpaas-cluster',
          title: 'Kubernetes cluster (kpaas)',
        },
      },
    },
  },
};

/** The scaffolder's event stream of a task whose provision step failed. */
const scaffolderApi = {
  getTask: async () => task,
  streamLogs: () => ({
    subscribe(observer: { next(e: unknown): void }) {
      const events = [
        {
          id: 1,
          type: 'log',
          createdAt: '2026-12-03T16:00:01Z',
          body: { stepId: 'fetch', status: 'completed', message: 'fetched' },
        },
        {
          id: 2,
          type: 'log',
          createdAt: '2026-12-03T16:00:02Z',
          body: {
            stepId: 'provision',
            status: 'failed',
            message: 'init failed',
          },
        },
        {
          id: 3,
          type: 'completion',
          createdAt: '2026-12-03T16:00:03Z',
          body: {
            message: 'Run failed',
            error: { name: 'ProvisionPhaseError', message: MESSAGE },
          },
        },
      ];
      const timer = setTimeout(() => events.forEach(e => observer.next(e)), 10);
      return { unsubscribe: () => clearTimeout(timer), closed: false };
    },
  }),
  cancelTask: jest.fn(),
};

describe('KpaasTaskPage', () => {
  it("shows a failed task's classified error above its steps, with the raw output collapsed", async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[scaffolderApiRef, scaffolderApi as any]]}>
        <KpaasTaskPage
          taskId="task-1"
          templatePath={(ns, name) => `/create/templates/${ns}/${name}`}
        />
      </TestApiProvider>,
    );
    const explanation = await screen.findByTestId(
      'kpaas-task-error-explanation',
    );
    expect(explanation.textContent).toMatch(
      /^terraform init could not install hashicorp\/null/,
    );
    expect(screen.getByText('Run of Kubernetes cluster (kpaas)')).toBeTruthy();
    expect(screen.getByText('Provision')).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/[╷│╵]/);
    expect(screen.getByText('Show the raw output (3 last lines)')).toBeTruthy();
    // a finished task can be started over, not cancelled
    expect(screen.getByTestId('cancel-button')).toBeDisabled();
    expect(screen.getByTestId('start-over-button')).not.toBeDisabled();
  });
});

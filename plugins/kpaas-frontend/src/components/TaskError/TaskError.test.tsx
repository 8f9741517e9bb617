import { fireEvent, screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { withOutputTail } from '@internal/plugin-kpaas-common';
import { TaskError } from './TaskError';

// what kpaas:provision throws when terraform init cannot install a provider (phase.ts)
const CLASSIFIED =
  'terraform init could not install hashicorp/null: it is not in the filesystem mirror /m (kpaas.terraform.providerMirror.filesystem).';
const PHASE =
  'kpaas:provision phase "init" (terraform init -input=false -no-color) failed (exit 1).';
const RAW = [
  '╷',
  '│ Error: Failed to query available provider packages',
  '│ ',
  '│ Could not retrieve the list of available versions for provider',
  '│ hashicorp/null: provider registry.terraform.io/hashicorp/null was not found',
  '│ in any of the search locations',
  '╵',
].join('\n');

describe('TaskError', () => {
  it('shows the classified error first and the raw Terraform output only when expanded', async () => {
    await renderInTestApp(
      <TaskError
        error={{
          name: 'ProvisionPhaseError',
          message: withOutputTail(`${CLASSIFIED}\n${PHASE}`, RAW),
        }}
      />,
    );
    const explanation = screen.getByTestId('kpaas-task-error-explanation');
    expect(explanation.textContent).toBe(`${CLASSIFIED}\n${PHASE}`);
    // collapsed: no box-drawing output anywhere on the page
    expect(document.body.textContent).not.toMatch(/[╷│╵]/);
    const toggle = screen.getByText('Show the raw output (7 last lines)');
    fireEvent.click(toggle);
    expect(
      await screen.findByText(/Failed to query available provider/),
    ).toBeTruthy();
    expect(document.body.textContent).toContain(RAW);
    expect(screen.getByText('Hide the raw output (7 last lines)')).toBeTruthy();
    // the explanation stays above the output
    const output = screen.getByTestId('kpaas-task-error-output');
    expect(
      explanation.compareDocumentPosition(output) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('shows a failure without raw output as it is, with nothing to expand', async () => {
    await renderInTestApp(
      <TaskError
        error={{
          message: 'cluster "lab" already exists in kpaas; choose another name',
        }}
      />,
    );
    expect(screen.getByTestId('kpaas-task-error-explanation').textContent).toBe(
      'cluster "lab" already exists in kpaas; choose another name',
    );
    expect(screen.queryByTestId('kpaas-task-error-output')).toBeNull();
  });
});

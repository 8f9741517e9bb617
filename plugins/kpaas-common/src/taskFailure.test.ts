import {
  OUTPUT_TAIL_HEADING,
  splitTaskFailure,
  withOutputTail,
} from './taskFailure';

describe('task failure messages', () => {
  const raw = '╷\n│ Error: Failed to query available provider packages\n╵';

  it('splits what withOutputTail joins: the explanation, then the raw tail', () => {
    const message = withOutputTail(
      'terraform init could not install hashicorp/null: it is not in the mirror.\nkpaas:provision phase "init" failed (exit 1).',
      raw,
    );
    expect(message).toContain(`\n${OUTPUT_TAIL_HEADING}\n╷`);
    expect(splitTaskFailure(message)).toEqual({
      explanation:
        'terraform init could not install hashicorp/null: it is not in the mirror.\nkpaas:provision phase "init" failed (exit 1).',
      tail: raw,
    });
  });

  it("reads the SSH executor's '; last N lines:' tail", () => {
    expect(
      splitTaskFailure(
        'cp-1: step "prepare" failed with exit code 2; last 2 lines:\nE: a\nE: b\n',
      ),
    ).toEqual({
      explanation: 'cp-1: step "prepare" failed with exit code 2',
      tail: 'E: a\nE: b',
    });
  });

  it('keeps a message without a tail whole, and adds no heading for an empty tail', () => {
    expect(splitTaskFailure(' cluster "x" already exists ')).toEqual({
      explanation: 'cluster "x" already exists',
    });
    expect(withOutputTail('failed', '  \n')).toBe('failed');
  });
});

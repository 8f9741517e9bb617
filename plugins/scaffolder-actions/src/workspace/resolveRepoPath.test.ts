import path from 'node:path';
import { resolveRepoPath } from './resolveRepoPath';

describe('resolveRepoPath', () => {
  const ws = path.resolve('/tmp/ws');

  it.each([
    ['.', ws],
    ['./cluster', path.join(ws, 'cluster')],
    ['clusters/demo/', path.join(ws, 'clusters/demo')],
    ['a/../b', path.join(ws, 'b')],
    // a folder whose name merely starts with two dots stays inside
    ['..cluster', path.join(ws, '..cluster')],
  ])('%s resolves inside the workspace', (input, expected) => {
    expect(resolveRepoPath(ws, input)).toBe(expected);
  });

  it.each([
    // a sibling sharing the workspace's prefix: a startsWith check without separator passed it
    ['../ws-x'],
    ['/tmp/ws-x'],
    ['..'],
    ['../other'],
    ['/etc'],
    ['a/../../ws-x/cluster'],
  ])('%s is refused with the field named', input => {
    expect(() => resolveRepoPath(ws, input)).toThrow(
      `repoPath "${input}" leaves the task workspace`,
    );
  });
});

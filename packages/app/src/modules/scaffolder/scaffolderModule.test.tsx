import { scaffolderModuleKpaas } from './index';

describe('scaffolderModuleKpaas', () => {
  it("replaces the scaffolder's templates and tasks sub-pages", () => {
    const ids = (
      scaffolderModuleKpaas as unknown as { extensions: Array<{ id: string }> }
    ).extensions.map(e => e.id);
    expect(ids).toEqual([
      'sub-page:scaffolder/templates',
      'sub-page:scaffolder/tasks',
    ]);
  });
});

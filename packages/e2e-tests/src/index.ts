export * from './appHarness';
export * from './browser';

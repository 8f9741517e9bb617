export * from './terraform';
export * from './ssh';
export * from './kube';
export * from './fixtures';
export * from './cluster';
export * from './git';
export * from './services';
export * from './demo';

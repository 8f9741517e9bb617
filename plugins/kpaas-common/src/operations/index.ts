export * from './versionPolicy';
export * from './expiry';

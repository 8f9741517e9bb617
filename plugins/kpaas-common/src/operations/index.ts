export * from './versionPolicy';
export * from './expiry';
export * from './backupSpec';
export * from './etcdBackupManifests';

export * from './versionPolicy';
export * from './expiry';
export * from './backupSpec';
export * from './etcdBackupManifests';
export * from './cronSchedule';
export * from './backupStatus';
export * from './operationsApi';
export * from './certExpiryCollector';

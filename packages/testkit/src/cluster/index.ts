export * from './controllers';
export * from './chartFixture';
export * from './apiServers';
export * from './keycloakService';
export * from './workloadPods';
export * from './vaultService';

export * from './controllers';
export * from './chartFixture';
export * from './apiServers';
export * from './keycloakService';

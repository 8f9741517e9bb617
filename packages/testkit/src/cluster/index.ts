export * from './controllers';
export * from './chartFixture';

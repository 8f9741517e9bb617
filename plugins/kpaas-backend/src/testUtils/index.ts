// The throwaway PostgreSQL lives in the test kit, shared with the e2e tests.
export { postgresUnavailableReason, startTestPostgres } from '@internal/kpaas-testkit';
export type { TestPostgres } from '@internal/kpaas-testkit';

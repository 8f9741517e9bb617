export { postgresUnavailableReason, startTestPostgres } from './postgres';
export type { TestPostgres } from './postgres';

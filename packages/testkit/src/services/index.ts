export { postgresUnavailableReason, startTestPostgres } from './postgres';
export type { TestPostgres } from './postgres';
export { redisUnavailableReason, startTestRedis } from './redis';
export type { TestRedis } from './redis';
export { openMemorySqlite } from './sqlite';

export { kpaasApiRef } from './KpaasApi';
export type { KpaasApi } from './KpaasApi';
export {
  errorReason,
  KpaasClient,
  responseStatus,
  retryAfterSeconds,
} from './KpaasClient';

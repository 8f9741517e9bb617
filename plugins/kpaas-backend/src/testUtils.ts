/**
 * Test helpers for other packages' tests: kpaas-backend's real Terraform state router on a
 * loopback port (the actions' provision tests run real terraform against it). Never imported by
 * production code.
 */
export { startStateServer } from './state/__testUtils__/stateServer';
export type {
  ReceivedTimelineEvent,
  StateServer,
} from './state/__testUtils__/stateServer';

export {
  DEGRADED_SCENARIO,
  DEMO_SCENARIOS,
  DEMO_SCENARIO_ENV,
  parseDemoScenario,
  startDemoCluster,
} from './demoCluster';
export type {
  DemoCluster,
  DemoClusterOptions,
  DemoScenario,
} from './demoCluster';

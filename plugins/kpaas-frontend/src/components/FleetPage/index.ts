export { FleetPage } from './FleetPage';
export type { FleetPageProps } from './FleetPage';
export { LegacyFleetPage } from './LegacyFleetPage';

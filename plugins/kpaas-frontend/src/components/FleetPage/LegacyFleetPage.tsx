import { Header, Page } from '@backstage/core-components';
import { FleetPage, FleetPageProps } from './FleetPage';

/** The fleet page with its own header, for legacy apps (the new system's page adds one). */
export function LegacyFleetPage(props: FleetPageProps) {
  return (
    <Page themeId="tool">
      <Header
        title="Clusters"
        subtitle="Every cluster kpaas knows, with its health"
      />
      <FleetPage {...props} />
    </Page>
  );
}

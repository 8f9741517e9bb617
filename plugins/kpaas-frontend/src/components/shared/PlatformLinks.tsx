import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  describeRetirement,
  type AddonStatus,
  type PlatformLinkStatus,
} from '@internal/plugin-kpaas-common';

/** Days before expiry from which a certificate is flagged. */
export const TLS_WARNING_DAYS = 14;

const useStyles = makeStyles(theme => ({
  row: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) },
  item: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
  },
  dot: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: '50%',
    flexShrink: 0,
  },
  up: { backgroundColor: theme.palette.success?.main ?? '#2e7d32' },
  down: { backgroundColor: theme.palette.error.main },
  unknown: { backgroundColor: theme.palette.grey[500] },
}));

/** One-line description of a probe, e.g. `HTTP 200, 35 ms, TLS expires in 40 d`. */
export function describeProbe(probe: PlatformLinkStatus['probe']): string {
  if (!probe) return 'Not probed yet';
  const parts: string[] = [];
  if (probe.httpStatus !== undefined) parts.push(`HTTP ${probe.httpStatus}`);
  if (probe.latencyMs !== undefined)
    parts.push(`${Math.round(probe.latencyMs)} ms`);
  if (probe.tlsExpiresInDays !== undefined)
    parts.push(tlsText(probe.tlsExpiresInDays));
  if (probe.error) parts.push(probe.error);
  return parts.join(', ') || (probe.ok ? 'Up' : 'Down');
}

export function tlsText(days: number): string {
  return days <= 0
    ? 'TLS certificate expired'
    : `TLS expires in ${Math.floor(days)} d`;
}

type LinkRoute = NonNullable<PlatformLinkStatus['route']>;
type RouteReadiness = NonNullable<AddonStatus['routes']>[number];

/** `HTTPRoute argocd/argo-cd-ui`: the object that routes a link. */
export function routeName(route: LinkRoute | RouteReadiness): string {
  return `${route.kind} ${route.namespace}/${route.name}`;
}

/**
 * The readiness of the route behind a link, from its add-on's judged Gateway API objects
 * (Ingress routes have none: undefined).
 */
export function routeReadinessOf(
  link: PlatformLinkStatus,
  addons: readonly AddonStatus[],
): RouteReadiness | undefined {
  const route = link.route;
  if (!route || route.kind !== 'HTTPRoute') return undefined;
  return addons
    .find(a => a.id === link.addonId)
    ?.routes?.find(
      r =>
        r.kind === route.kind &&
        r.namespace === route.namespace &&
        r.name === route.name,
    );
}

/** "Retired upstream (announced …)" for an add-on whose project upstream retired. */
export function retiredText(addon: AddonStatus): string | undefined {
  if (!addon.retired) return undefined;
  const text = describeRetirement(addon.retired);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether a probe's certificate is due for renewal. */
export function tlsExpiresSoon(probe: PlatformLinkStatus['probe']): boolean {
  return (
    probe?.tlsExpiresInDays !== undefined &&
    probe.tlsExpiresInDays < TLS_WARNING_DAYS
  );
}

/**
 * The cluster's platform UIs as links, each with a live dot from the backend's probe. Only the
 * links the cluster has are listed (the backend derives them from the installed add-ons).
 */
export function PlatformLinks(props: { links: PlatformLinkStatus[] }) {
  const classes = useStyles();
  if (props.links.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No platform UIs: add-ons with a web UI (e.g. Grafana, Argo CD) add their
        link here once installed.
      </Typography>
    );
  }
  return (
    <Box
      className={classes.row}
      component="ul"
      p={0}
      m={0}
      style={{ listStyle: 'none' }}
    >
      {props.links.map(link => {
        const probe = link.probe;
        let liveness: 'up' | 'down' | 'unknown' = 'unknown';
        if (probe) liveness = probe.ok ? 'up' : 'down';
        const label = { up: 'up', down: 'down', unknown: 'not probed yet' }[
          liveness
        ];
        return (
          <li
            key={link.url}
            className={classes.item}
            data-testid="platform-link-item"
          >
            <Tooltip title={describeProbe(probe)}>
              <span
                role="img"
                aria-label={`${link.title} is ${label}`}
                className={`${classes.dot} ${classes[liveness]}`}
              />
            </Tooltip>
            <Link to={link.url} data-testid="platform-link">
              {link.title}
            </Link>
            {tlsExpiresSoon(probe) && (
              <Typography
                variant="caption"
                color="error"
                data-testid="platform-link-tls-warning"
              >
                {tlsText(probe!.tlsExpiresInDays!)}
              </Typography>
            )}
          </li>
        );
      })}
    </Box>
  );
}

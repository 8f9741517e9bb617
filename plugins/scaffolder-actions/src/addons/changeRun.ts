import { AddonCatalog } from '@internal/plugin-kpaas-common';
import { InputError } from '@backstage/errors';
import {
  AddonChangePlan,
  changeRows,
  describeAddonChanges,
  readAddonChanges,
} from './changes';
import { PlanRow } from './plan';
import { writeAddonRecord } from './record';
import {
  moveLinksToRoutes,
  outgoingIngressControllers,
  planWithoutIngressAddress,
  settleGatewayRouting,
} from './routingSwitch';
import {
  AddonResult,
  AddonRunOptions,
  installAddons,
  uninstallAddons,
} from './waves';

function errorMessage(e: unknown): string {
  return e instanceof Error
    ? (e as { reason?: string }).reason ?? e.message
    : String(e);
}

/**
 * kpaas:addons on a running cluster, as one ordered change plan: read what is installed, refuse
 * a removal another add-on needs (before anything runs), install and upgrade in dependency waves,
 * then (only when those succeeded) uninstall what cluster.yaml no longer lists, dependants first.
 * Replacing an Ingress controller by the Gateway API is the same plan with its switch steps
 * (./routingSwitch.ts). The record of what was installed is written last.
 */
export async function runAddonChange(
  opts: AddonRunOptions,
  args: { catalog: AddonCatalog },
): Promise<{
  results: AddonResult[];
  rows: PlanRow[];
  report: string;
  change: AddonChangePlan;
}> {
  const { plan, cluster, logger, hooks } = opts;
  const change = await readAddonChanges({
    plan,
    catalog: args.catalog,
    shell: opts.shell,
    cluster,
  });
  const report = describeAddonChanges(change);
  logger.info(`add-on changes of cluster ${plan.clusterName}:\n${report}`);
  if (change.problems.length > 0) {
    throw new InputError(
      `kpaas:addons: cluster.yaml (spec.addons) drops ${
        change.problems.length === 1 ? 'an add-on' : 'add-ons'
      } that installed add-ons depend on; nothing was changed:\n${change.problems
        .map(p => `  - ${p.message}`)
        .join('\n')}`,
    );
  }

  const outgoing = outgoingIngressControllers(plan, change.removal);
  const installed = await installAddons({
    ...opts,
    // while an outgoing Ingress controller holds the ingress address, the Gateway takes another
    plan: outgoing.length > 0 ? planWithoutIngressAddress(plan) : plan,
    upgrades: new Set(change.changes.upgrade.map(u => u.id)),
  });

  let removed: AddonResult[] = [];
  if (change.removal.addons.length > 0) {
    const notRemoved = (reason: string): AddonResult[] =>
      change.removal.addons.map(a => ({
        id: a.id,
        status: 'failed',
        chartVersion: a.version,
        reason,
      }));
    const failed = installed.filter(r => r.status === 'failed');
    if (failed.length > 0) {
      removed = notRemoved(
        `not uninstalled: ${failed
          .map(f => f.id)
          .join(', ')} failed first; fix that and run again`,
      );
    } else {
      try {
        if (outgoing.length > 0) {
          await moveLinksToRoutes({
            plan,
            cluster,
            logger,
            hooks,
            deadline: Date.now() + opts.timeoutMs,
          });
        }
        removed = await uninstallAddons({
          ...opts,
          plan: change.removal,
          keepNamespaces: new Set(plan.addons.map(a => a.namespace)),
        });
      } catch (e) {
        removed = notRemoved(`not uninstalled: ${errorMessage(e)}`);
      }
    }
  }
  // the Gateway takes the ingress address once no Ingress controller holds it
  const gatewayId = plan.routing.gateway?.addonId;
  if (
    gatewayId &&
    installed.find(r => r.id === gatewayId)?.status !== 'failed' &&
    !removed.some(
      r => r.status === 'failed' && outgoing.some(o => o.id === r.id),
    )
  ) {
    try {
      await settleGatewayRouting({
        plan,
        cluster,
        logger,
        deadline: Date.now() + opts.timeoutMs,
      });
    } catch (e) {
      const i = installed.findIndex(r => r.id === gatewayId);
      if (i >= 0) {
        installed[i] = {
          ...installed[i],
          status: 'failed',
          reason: errorMessage(e),
        };
      }
    }
  }

  const gone = new Set(
    removed.filter(r => r.status === 'uninstalled').map(r => r.id),
  );
  await writeAddonRecord(
    cluster,
    {
      installed: [
        ...change.installed.filter(id => !gone.has(id)),
        ...installed.filter(r => r.status !== 'failed').map(r => r.id),
      ],
    },
    Date.now() + opts.timeoutMs,
  );
  return {
    results: [...installed, ...removed],
    rows: changeRows(plan, change),
    report,
    change,
  };
}

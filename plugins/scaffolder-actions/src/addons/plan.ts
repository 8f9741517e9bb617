import {
  AddonCatalog,
  AddonDefinition,
  backupKeyPrefix,
  ClusterSpec,
  ExpectedGatewayApiObject,
  PlatformRouting,
  WELL_KNOWN_CAPABILITIES,
  deriveEndpoints,
  derivePlatformRouting,
  expectedGatewayApiObjects,
  deriveInventory,
  formatIpv4,
  formatSpecErrors,
  parseAddonCatalog,
  parseClusterSpec,
  parseIpv4Range,
  resolveAddonInstallSet,
} from '@internal/plugin-kpaas-common';
import yaml from 'yaml';
import { gatewayManifests, httpRouteManifest } from './gatewayRoutes';
import {
  SecretTokenRef,
  TokenError,
  TokenValues,
  fillTokens,
  findSecretTokens,
} from './tokens';
import {
  deepMerge,
  expandDottedKeys,
  findUnknownValuesKeys,
} from './valuesKeys';

/*
 * The add-on install plan, as a pure function of cluster.yaml, the values pack (catalog, default
 * values, templates) and the cluster repo's overlays. Every input problem is found here, before
 * anything is installed.
 */

/** Reads a repo-relative file; undefined when it does not exist. */
export type FileReader = (relativePath: string) => string | undefined;

export interface AddonPlanInput {
  /** cluster.yaml text */
  specText: string;
  /** values/addons.yaml text of the values pack */
  catalogText: string;
  /** Files of the values pack (`values/<id>/values.yaml`, templates) */
  readPackFile: FileReader;
  /** Files of the cluster repo (`values/<id>.yaml` overlays, scripts) */
  readRepoFile: FileReader;
  /** Private address of the first control plane (NFS server default), when known */
  firstControlPlaneAddress?: string;
}

/** One values file passed to Helm, tokens filled (secret tokens stay until install time). */
export interface PlannedValuesFile {
  /** File name on the node */
  name: string;
  /** Where it came from (for messages) */
  source: string;
  content: string;
  /** Secret tokens still in `content` */
  secretTokens: SecretTokenRef[];
}

/** A manifest applied after the chart is ready. */
export interface PlannedManifest {
  kind: string;
  source: string;
  /** YAML, tokens filled except secret tokens */
  text: string;
  secretTokens: SecretTokenRef[];
}

export interface PlannedAddonInstall {
  id: string;
  title: string;
  wave: number;
  /**
   * Everything it waits on inside the install set (catalog dependsOn, the Gateway or ingress
   * controller serving its route, the add-on installing its CRDs); it takes a run slot only once
   * all of them are done
   */
  dependsOn: string[];
  type: 'helm' | 'script';
  definition: AddonDefinition;
  namespace: string;
  /** Helm release name (helm add-ons) */
  release?: string;
  /** Helm chart (helm add-ons) */
  chart?: {
    /** `helm repo add` name; undefined for OCI charts */
    repoName?: string;
    repoUrl: string;
    /** What `helm upgrade --install` gets: `<repoName>/<chart>` or `oci://…/<chart>` */
    ref: string;
    name: string;
    version: string;
  };
  /** Pinned chart version, or the script's tag */
  version: string;
  valuesFiles: PlannedValuesFile[];
  manifests: PlannedManifest[];
  /** kpaas instructions from postInstall (apiVersion kpaas.io/…), e.g. VaultInitialization */
  instructions: Array<{ kind: string; source: string; text: string }>;
  requiresCrds: string[];
  /** Credentials kpaas generates before the chart (absent when a postInstall step writes them) */
  credentials?: { secretName: string; namespace: string; keys: string[] };
  /** Where the credentials live (generated or written by a postInstall step) */
  credentialsRef?: { secretName: string; namespace: string; keys: string[] };
  ui?: { host: string; service: string; port: number; path: string };
  script?: { path: string; args: string[]; content: string };
  /**
   * Gateway API objects this add-on's readiness includes once its manifests are applied (the
   * implementation's Gateway `Programmed`, a UI's HTTPRoute `Accepted` and `ResolvedRefs`)
   */
  gatewayApiObjects: ExpectedGatewayApiObject[];
}

export interface AddonPlan {
  clusterName: string;
  domain: string;
  /** Address every UI host resolves to (the Gateway's or ingress-nginx's LoadBalancer IP) */
  ingressIp?: string;
  /** How the platform UIs are routed (Gateway API or Ingress) */
  routing: PlatformRouting;
  waves: string[][];
  addons: PlannedAddonInstall[];
}

/** A plan row as the `plan` output and the dry-run table show it. */
export interface PlanRow {
  wave: number;
  id: string;
  chart: string;
  version: string;
  namespace: string;
  /** What the run does (known once the cluster's releases are read; ./changes.ts) */
  action?: 'install' | 'upgrade' | 'current' | 'uninstall';
  /** The installed chart version, for an upgrade */
  from?: string;
}

export class AddonPlanError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the add-on plan has ${problems.length} problem${
        problems.length === 1 ? '' : 's'
      }; nothing was installed:\n${problems.map(p => `  - ${p}`).join('\n')}`,
    );
    this.name = 'AddonPlanError';
  }
}

const CLUSTER_ISSUER = 'kpaas-ca';
const NFS_PATH = '/home/share/nfs';

/** `helm repo add` name for a repository URL: stable, readable, unique per URL. */
export function helmRepoName(url: string): string {
  const slug = url
    .replace(/^https:\/\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `kpaas-${slug}`.slice(0, 60);
}

function clusterTokens(
  spec: ClusterSpec,
  ids: Set<string>,
  firstControlPlaneAddress: string | undefined,
): TokenValues {
  const { network, kubernetes } = spec.spec;
  const range = network.metallbRange
    ? parseIpv4Range(network.metallbRange)
    : undefined;
  const crio = kubernetes.containerRuntime === 'cri-o';
  const firstCp =
    firstControlPlaneAddress ??
    deriveInventory(spec).find(n => n.role === 'control-plane')?.address;
  return {
    KPAAS_DOMAIN: network.domain,
    KPAAS_INGRESS_IP:
      network.ingressIp ?? (range ? formatIpv4(range.first) : undefined),
    KPAAS_METALLB_RANGE: network.metallbRange,
    KPAAS_CLUSTER_NAME: spec.metadata.name,
    KPAAS_CLUSTER_ISSUER: CLUSTER_ISSUER,
    KPAAS_CRI_NAME: crio ? 'crio' : 'containerd',
    KPAAS_CRI_SOCKET: crio
      ? '/var/run/crio/crio.sock'
      : '/run/containerd/containerd.sock',
    KPAAS_NFS_SERVER: firstCp,
    KPAAS_NFS_PATH: NFS_PATH,
    // multipass learns its addresses only when the VMs exist: the API is then the first
    // control plane (endpoint type host), the node Helm runs on
    KPAAS_API_HOST: deriveEndpoints(spec).apiServerHost ?? firstCp,
    KPAAS_DEFAULT_STORAGE_CLASS: ids.has('local-path-provisioner')
      ? 'local-path'
      : ids.has('nfs-subdir-external-provisioner')
      ? 'nfs-client'
      : undefined,
    // spec.backup's S3 target (etcd snapshots; Velero's backup storage location)
    KPAAS_BACKUP_ENDPOINT: spec.spec.backup?.target.endpoint,
    KPAAS_BACKUP_BUCKET: spec.spec.backup?.target.bucket,
    KPAAS_BACKUP_REGION: spec.spec.backup?.target.region,
    KPAAS_BACKUP_PREFIX: spec.spec.backup
      ? backupKeyPrefix(spec.metadata.name, spec.spec.backup)
      : undefined,
    KPAAS_ADDON_ID: undefined,
    KPAAS_ADDON_NAMESPACE: undefined,
    KPAAS_UI_HOST: undefined,
    KPAAS_UI_SERVICE: undefined,
    KPAAS_UI_PORT: undefined,
    KPAAS_UI_PATH: undefined,
  };
}

function addonNamespace(def: AddonDefinition): string {
  return def.type === 'helm'
    ? def.helm.namespace
    : def.script.namespace ?? 'default';
}

/** The tag a script add-on installs (`--version=v1.7.0` or a bare `v0.0.37` argument). */
function scriptVersion(args: string[]): string {
  for (const a of args) {
    const flag = /^--version=(.+)$/.exec(a);
    if (flag) return flag[1];
  }
  return args.find(a => /^v?\d+\.\d+\.\d+/.test(a)) ?? 'script';
}

function hasLoadBalancerService(values: unknown): string | undefined {
  const walk = (v: unknown, path: string): string | undefined => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return undefined;
    for (const [k, child] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (
        k === 'type' &&
        child === 'LoadBalancer' &&
        /(^|\.)service$/i.test(path)
      )
        return p;
      const found = walk(child, p);
      if (found) return found;
    }
    return undefined;
  };
  return walk(values, '');
}

/** Parses YAML; returns the error text instead of throwing. */
function parseYaml(
  text: string,
): { ok: true; data: unknown } | { ok: false; error: string } {
  const doc = yaml.parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, error: doc.errors[0].message };
  return { ok: true, data: doc.toJS() };
}

/**
 * Builds the install plan or throws {@link AddonPlanError} listing every problem: cluster.yaml
 * and catalog errors (unknown add-on ids, dependency cycles, LoadBalancer add-ons without MetalLB),
 * missing values files or templates, override keys the add-on's values do not have (with the
 * closest known key), tokens without a value.
 */
export function buildAddonPlan(input: AddonPlanInput): AddonPlan {
  const catalogResult = parseAddonCatalog(input.catalogText);
  if (!catalogResult.ok) {
    throw new AddonPlanError([
      formatSpecErrors(catalogResult.errors, 'values/addons.yaml'),
    ]);
  }
  const catalog: AddonCatalog = catalogResult.catalog;
  const specResult = parseClusterSpec(input.specText, { catalog });
  if (!specResult.ok) {
    throw new AddonPlanError([formatSpecErrors(specResult.errors)]);
  }
  const spec = specResult.spec;
  const resolved = resolveAddonInstallSet(spec, catalog);
  if (!resolved.ok) {
    throw new AddonPlanError([formatSpecErrors(resolved.errors)]);
  }
  const problems: string[] = [];
  const ids = new Set(resolved.plan.order);
  const baseTokens = clusterTokens(spec, ids, input.firstControlPlaneAddress);
  const hasLoadBalancer = resolved.plan.addons.some(a =>
    a.definition.provides.includes(WELL_KNOWN_CAPABILITIES.loadBalancer),
  );
  const domain = spec.spec.network.domain;
  const routing = derivePlatformRouting(
    resolved.plan.addons.map(a => a.definition),
    domain,
  );
  const routingKind = routing.via === 'gateway-api' ? 'gateway-api' : 'ingress';
  const expectedObjects = expectedGatewayApiObjects(routing);

  const addons: PlannedAddonInstall[] = [];
  for (const planned of resolved.plan.addons) {
    const def = planned.definition;
    const namespace = addonNamespace(def);
    const ui = def.ui
      ? {
          host: `${def.ui.hostPrefix}.${domain}`,
          service: def.ui.service,
          port: def.ui.port,
          path: def.ui.path,
        }
      : undefined;
    const tokens: TokenValues = {
      ...baseTokens,
      KPAAS_ADDON_ID: def.id,
      KPAAS_ADDON_NAMESPACE: namespace,
      KPAAS_UI_HOST: ui?.host,
      KPAAS_UI_SERVICE: ui?.service,
      KPAAS_UI_PORT: ui ? String(ui.port) : undefined,
      KPAAS_UI_PATH: ui?.path,
    };
    const fill = (text: string, where: string): string | undefined => {
      try {
        return fillTokens(text, tokens, where);
      } catch (e) {
        if (e instanceof TokenError) {
          problems.push(e.message);
          return undefined;
        }
        throw e;
      }
    };

    // values: pack defaults, then the cluster repo overlay, then spec.addons[].values
    const valuesFiles: PlannedValuesFile[] = [];
    let defaults: Record<string, unknown> = {};
    def.valuesFiles.forEach((file, i) => {
      const text = input.readPackFile(file);
      if (text === undefined) {
        problems.push(
          `${def.id}: values file ${file} is missing from the values pack`,
        );
        return;
      }
      const parsed = parseYaml(text);
      if (!parsed.ok) {
        problems.push(`${def.id}: ${file} is not valid YAML: ${parsed.error}`);
        return;
      }
      defaults = deepMerge(
        defaults,
        (parsed.data ?? {}) as Record<string, unknown>,
      );
      const content = fill(text, file);
      if (content !== undefined) {
        valuesFiles.push({
          name: `${def.id}-${i}.yaml`,
          source: file,
          content,
          secretTokens: findSecretTokens(content),
        });
      }
    });
    let merged = defaults;
    const overlayPath = `values/${def.id}.yaml`;
    const overlayText = input.readRepoFile(overlayPath);
    if (overlayText !== undefined) {
      const parsed = parseYaml(overlayText);
      if (!parsed.ok) {
        problems.push(`${overlayPath} is not valid YAML: ${parsed.error}`);
      } else if (parsed.data !== null && parsed.data !== undefined) {
        for (const k of findUnknownValuesKeys(defaults, parsed.data)) {
          problems.push(
            unknownKeyMessage(overlayPath, k.path, k.suggestion, def.id),
          );
        }
        merged = deepMerge(merged, parsed.data as Record<string, unknown>);
        const content = fill(overlayText, overlayPath);
        if (content !== undefined) {
          valuesFiles.push({
            name: `${def.id}-overlay.yaml`,
            source: overlayPath,
            content,
            secretTokens: findSecretTokens(content),
          });
        }
      }
    }
    if (planned.values && Object.keys(planned.values).length > 0) {
      const specIndex = spec.spec.addons.findIndex(a => a.id === def.id);
      const inline = expandDottedKeys(planned.values);
      const where = `cluster.yaml spec.addons[${specIndex}].values`;
      for (const k of findUnknownValuesKeys(defaults, inline)) {
        problems.push(unknownKeyMessage(where, k.path, k.suggestion, def.id));
      }
      merged = deepMerge(merged, inline);
      const content = fill(yaml.stringify(inline), where);
      if (content !== undefined) {
        valuesFiles.push({
          name: `${def.id}-inline.yaml`,
          source: where,
          content,
          secretTokens: findSecretTokens(content),
        });
      }
    }
    const lbPath = hasLoadBalancerService(merged);
    if (lbPath && !hasLoadBalancer) {
      problems.push(
        `${def.id}: ${lbPath} is LoadBalancer but no add-on provides "load-balancer" (MetalLB); on bare metal the Service would stay <pending>: add "- id: metallb" to spec.addons or use ClusterIP behind the ingress`,
      );
    }

    // post-install manifests and kpaas instructions
    const manifests: PlannedManifest[] = [];
    const instructions: PlannedAddonInstall['instructions'] = [];
    for (const step of def.postInstall) {
      // UI Ingress templates only when an Ingress controller routes the UIs (and vice versa)
      if (step.routing && step.routing !== routingKind) continue;
      const text = input.readPackFile(step.template);
      if (text === undefined) {
        problems.push(
          `${def.id}: postInstall template ${step.template} is missing from the values pack`,
        );
        continue;
      }
      const filled = fill(text, step.template);
      if (filled === undefined) continue;
      const parsed = parseYaml(filled);
      if (!parsed.ok) {
        problems.push(
          `${def.id}: ${step.template} is not valid YAML after filling tokens: ${parsed.error}`,
        );
        continue;
      }
      const doc = parsed.data as { apiVersion?: string; kind?: string } | null;
      if (doc?.kind !== step.kind) {
        problems.push(
          `${def.id}: ${step.template} is a ${
            doc?.kind ?? 'document without kind'
          }, but the catalog says ${step.kind}`,
        );
        continue;
      }
      if (String(doc.apiVersion ?? '').startsWith('kpaas.io/')) {
        instructions.push({
          kind: step.kind,
          source: step.template,
          text: filled,
        });
        continue;
      }
      manifests.push({
        kind: step.kind,
        source: step.template,
        text: filled,
        secretTokens: findSecretTokens(filled),
      });
    }

    manifests.push(...routingManifests(def, routing, manifests, problems));

    // credentials: generated unless a postInstall step writes that Secret
    let credentials: PlannedAddonInstall['credentials'];
    if (def.credentials) {
      const writtenByStep =
        instructions.length > 0 ||
        manifests.some(m => {
          if (m.kind !== 'Secret') return false;
          const obj = yaml.parse(m.text) as { metadata?: { name?: string } };
          return obj?.metadata?.name === def.credentials?.secretName;
        });
      if (!writtenByStep) credentials = { ...def.credentials };
    }

    let script: PlannedAddonInstall['script'];
    if (def.type === 'script') {
      const content = input.readRepoFile(def.script.path);
      if (content === undefined) {
        problems.push(
          `${def.id}: script ${def.script.path} is missing from the cluster repo; copy it from templates/kpaas-cluster/skeleton/${def.script.path}`,
        );
      }
      const args = (def.script.args ?? []).map(
        (a, i) => fill(a, `${def.id} script.args[${i}]`) ?? a,
      );
      script = { path: def.script.path, args, content: content ?? '' };
    }

    const repoUrl = def.type === 'helm' ? def.helm.repo : '';
    const oci = repoUrl.startsWith('oci://');
    addons.push({
      id: def.id,
      title: def.title,
      wave: planned.wave,
      dependsOn: planned.dependsOn,
      type: def.type,
      definition: def,
      namespace,
      release: def.type === 'helm' ? def.helm.releaseName : undefined,
      chart:
        def.type === 'helm'
          ? {
              repoName: oci ? undefined : helmRepoName(repoUrl),
              repoUrl,
              ref: oci
                ? `${repoUrl.replace(/\/+$/, '')}/${def.helm.chart}`
                : `${helmRepoName(repoUrl)}/${def.helm.chart}`,
              name: def.helm.chart,
              version: def.helm.version,
            }
          : undefined,
      version:
        def.type === 'helm'
          ? def.helm.version
          : scriptVersion(def.script.args ?? []),
      valuesFiles,
      manifests,
      instructions,
      requiresCrds: def.requiresCrds ?? [],
      credentials,
      credentialsRef: def.credentials ? { ...def.credentials } : undefined,
      ui,
      script,
      gatewayApiObjects: expectedObjects.filter(o => o.addonId === def.id),
    });
  }

  if (problems.length > 0) throw new AddonPlanError(problems);
  return {
    clusterName: spec.metadata.name,
    domain,
    ingressIp: baseTokens.KPAAS_INGRESS_IP,
    routing,
    waves: resolved.plan.waves,
    addons,
  };
}

/**
 * The Gateway API objects an add-on brings in a Gateway-routed cluster: the implementation gets
 * the cluster Gateway (after its own GatewayClass, which must carry the catalog's
 * gatewayApi.gatewayClassName), a UI add-on its HTTPRoute.
 */
function routingManifests(
  def: AddonDefinition,
  routing: PlatformRouting,
  own: PlannedManifest[],
  problems: string[],
): PlannedManifest[] {
  const { gateway } = routing;
  if (!gateway) return [];
  const generated = (obj: object): PlannedManifest => ({
    kind: (obj as { kind: string }).kind,
    source: 'generated (Gateway API routing)',
    text: yaml.stringify(obj),
    secretTokens: [],
  });
  const out: PlannedManifest[] = [];
  if (gateway.addonId === def.id) {
    const classes = own
      .filter(m => m.kind === 'GatewayClass')
      .map(
        m =>
          (yaml.parse(m.text) as { metadata?: { name?: string } })?.metadata
            ?.name,
      );
    if (!classes.includes(gateway.gatewayClassName)) {
      problems.push(
        `${def.id}: gatewayApi.gatewayClassName is "${
          gateway.gatewayClassName
        }", but no postInstall GatewayClass has that name (found: ${
          classes.join(', ') || 'none'
        }); add the GatewayClass template or fix the name`,
      );
    }
    out.push(...gatewayManifests(gateway, CLUSTER_ISSUER).map(generated));
  }
  const route = routing.routes.find(
    r => r.addonId === def.id && r.kind === 'HTTPRoute',
  );
  if (route) out.push(generated(httpRouteManifest(route, gateway)));
  return out;
}

function unknownKeyMessage(
  where: string,
  path: string,
  suggestion: string | undefined,
  id: string,
): string {
  return `${where}: "${path}" is not a value of ${id}${
    suggestion ? `; did you mean ${suggestion}?` : ''
  } (known keys are those of the values pack's values/${id}/values.yaml; add a key the chart has there first)`;
}

/** The rows of the `plan` output, in install order. */
export function planRows(plan: AddonPlan): PlanRow[] {
  return plan.addons.map(a => ({
    wave: a.wave,
    id: a.id,
    chart: a.chart ? `${a.chart.name}` : `script ${a.script?.path ?? ''}`,
    version: a.version,
    namespace: a.namespace,
  }));
}

/** The plan as a fixed-width table for the task log. */
export function formatPlanTable(rows: PlanRow[]): string {
  const header = ['wave', 'add-on', 'chart@version', 'namespace'];
  const lines = rows.map(r => [
    String(r.wave),
    r.id,
    `${r.chart}@${r.version}`,
    r.namespace,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map(l => l[i].length)),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    fmt(header),
    fmt(widths.map(w => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n');
}

import {
  ClusterSpec,
  ClusterTargetType,
  clusterTargetTypes,
  defaultClusterSpec,
  ExistingHost,
  MachineSize,
} from '@internal/plugin-kpaas-common';

/**
 * The parts of the kpaas-cluster template's form data (templates/kpaas-cluster/template.yaml)
 * that decide the machines. Every value may still be missing or half-typed while the user edits.
 */
export interface ClusterOrderFormData {
  target?: unknown;
  kakao?: {
    controlPlaneFlavor?: unknown;
    workerFlavor?: unknown;
    volumeSizeGiB?: unknown;
  };
  multipass?: {
    controlPlane?: Partial<Record<keyof MachineSize, unknown>>;
    worker?: Partial<Record<keyof MachineSize, unknown>>;
  };
  vagrant?: { lbPair?: unknown };
  existing?: { hosts?: unknown };
  controlPlaneCount?: unknown;
  workerCount?: unknown;
}

const isTarget = (value: unknown): value is ClusterTargetType =>
  (clusterTargetTypes as readonly unknown[]).includes(value);
const positiveInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;
const nonEmpty = (value: unknown): value is string =>
  typeof value === 'string' && value.trim().length > 0;

/** A machine size from the form, falling back per figure to the target's default. */
function machineSize(
  fallback: MachineSize,
  form: Partial<Record<keyof MachineSize, unknown>> | undefined,
): MachineSize {
  const pick = (key: keyof MachineSize) =>
    positiveInt(form?.[key]) ? (form![key] as number) : fallback[key];
  return {
    cpus: pick('cpus'),
    memoryGiB: pick('memoryGiB'),
    diskGiB: pick('diskGiB'),
  };
}

const roles: ReadonlyArray<ExistingHost['role']> = [
  'control-plane',
  'worker',
  'lb',
];

/**
 * The cluster the form describes, as far as sizes and counts go: kpaas-common's default spec
 * for the chosen target with the form's counts, flavors, volume, VM sizes, lb pair and hosts
 * laid over it (the same fields the skeleton's cluster.yaml takes from the form). Only meant
 * for deriveResourceTotals: names, networks and access keep their placeholder defaults.
 * Undefined until a target is chosen.
 */
export function clusterSpecFromForm(
  form: ClusterOrderFormData | undefined,
): ClusterSpec | undefined {
  if (!form || !isTarget(form.target)) return undefined;
  const base = defaultClusterSpec('cluster', form.target);
  const target = base.spec.target;
  let merged: ClusterSpec['spec']['target'];

  switch (target.type) {
    case 'kakao-cloud': {
      const kakao = form.kakao ?? {};
      merged = {
        ...target,
        controlPlaneFlavor: nonEmpty(kakao.controlPlaneFlavor)
          ? kakao.controlPlaneFlavor.trim()
          : target.controlPlaneFlavor,
        workerFlavor: nonEmpty(kakao.workerFlavor)
          ? kakao.workerFlavor.trim()
          : target.workerFlavor,
        volumeSizeGiB: positiveInt(kakao.volumeSizeGiB)
          ? kakao.volumeSizeGiB
          : target.volumeSizeGiB,
      };
      break;
    }
    case 'multipass':
      merged = {
        ...target,
        controlPlane: machineSize(
          target.controlPlane,
          form.multipass?.controlPlane,
        ),
        worker: machineSize(target.worker, form.multipass?.worker),
      };
      break;
    case 'vagrant':
      merged = {
        ...target,
        lbPair:
          typeof form.vagrant?.lbPair === 'boolean'
            ? form.vagrant.lbPair
            : target.lbPair,
      };
      break;
    default: {
      const hosts = Array.isArray(form.existing?.hosts)
        ? (form.existing!.hosts as unknown[]).filter(
            (h): h is ExistingHost =>
              typeof h === 'object' &&
              h !== null &&
              roles.includes((h as ExistingHost).role),
          )
        : [];
      merged = { ...target, hosts };
    }
  }

  return {
    ...base,
    spec: {
      ...base.spec,
      target: merged,
      controlPlane: {
        ...base.spec.controlPlane,
        count: positiveInt(form.controlPlaneCount)
          ? form.controlPlaneCount
          : base.spec.controlPlane.count,
      },
      workers: {
        ...base.spec.workers,
        count: positiveInt(form.workerCount)
          ? form.workerCount
          : base.spec.workers.count,
      },
    },
  };
}

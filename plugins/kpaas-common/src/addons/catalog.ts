import {
  fixOrientedErrorMap,
  loadYamlOrObject,
  SpecValidationError,
  uniqueErrors,
  zodIssuesToErrors,
} from '../spec/errors';
import { GATEWAY_API_CRDS } from './gatewayApi';
import { findDependencyCycle } from './graph';
import { AddonCatalog, addonCatalogSchema, AddonDefinition } from './schema';

/** @public */
export type AddonCatalogParseResult =
  | { ok: true; catalog: AddonCatalog }
  | { ok: false; errors: SpecValidationError[] };

/**
 * Parses the add-on catalog (YAML text or already-loaded data) and checks it as a whole:
 * unique ids, releases and UI hosts; dependsOn/conflictsWith name existing add-ons; an add-on
 * neither depends on itself nor on something it conflicts with; no dependency cycles.
 * @public
 */
export function parseAddonCatalog(input: unknown): AddonCatalogParseResult {
  const loaded = loadYamlOrObject(input);
  if (!loaded.ok) return loaded;
  const parsed = addonCatalogSchema.safeParse(loaded.data, {
    errorMap: fixOrientedErrorMap,
  });
  if (!parsed.success) {
    return {
      ok: false,
      errors: uniqueErrors(zodIssuesToErrors(parsed.error.issues)),
    };
  }
  const errors = checkAddonCatalog(parsed.data);
  return errors.length > 0
    ? { ok: false, errors }
    : { ok: true, catalog: parsed.data };
}

/** The cross-entry checks of {@link parseAddonCatalog}, for a catalog built in code. @public */
export function checkAddonCatalog(
  catalog: AddonCatalog,
): SpecValidationError[] {
  const errors: SpecValidationError[] = [];
  const at = (index: number, field: string) => `addons[${index}].${field}`;
  const indexById = new Map<string, number>();
  const releases = new Map<string, number>();
  const hosts = new Map<string, number>();

  catalog.addons.forEach((addon, index) => {
    const first = indexById.get(addon.id);
    if (first !== undefined) {
      errors.push({
        path: at(index, 'id'),
        message: `"${addon.id}" is already used by addons[${first}]; give each add-on its own id`,
        rule: 'catalog-unique',
      });
    } else {
      indexById.set(addon.id, index);
    }

    if (addon.type === 'helm') {
      const release = `${addon.helm.namespace}/${addon.helm.releaseName}`;
      const other = releases.get(release);
      if (other !== undefined) {
        errors.push({
          path: at(index, 'helm.releaseName'),
          message: `release "${addon.helm.releaseName}" in namespace "${addon.helm.namespace}" is also addons[${other}]'s; Helm would overwrite one with the other, so rename one release`,
          rule: 'catalog-unique',
        });
      } else {
        releases.set(release, index);
      }
    }

    if (addon.ui) {
      const other = hosts.get(addon.ui.hostPrefix);
      if (other !== undefined) {
        errors.push({
          path: at(index, 'ui.hostPrefix'),
          message: `host prefix "${addon.ui.hostPrefix}" is also addons[${other}]'s; give each UI its own host name`,
          rule: 'catalog-unique',
        });
      } else {
        hosts.set(addon.ui.hostPrefix, index);
      }
    }
  });

  catalog.addons.forEach((addon, index) => {
    addon.dependsOn.forEach((dep, d) => {
      if (dep === addon.id) {
        errors.push({
          path: at(index, `dependsOn[${d}]`),
          message: `"${addon.id}" depends on itself; remove the entry`,
          rule: 'catalog-references',
        });
      } else if (!indexById.has(dep)) {
        errors.push({
          path: at(index, `dependsOn[${d}]`),
          message: `"${dep}" is not an add-on of this catalog; add it to the catalog or fix the id`,
          rule: 'catalog-references',
        });
      } else if (addon.conflictsWith.includes(dep)) {
        errors.push({
          path: at(index, `dependsOn[${d}]`),
          message: `"${addon.id}" both depends on and conflicts with "${dep}"; keep only one of the two`,
          rule: 'catalog-references',
        });
      }
    });
    addon.conflictsWith.forEach((other, c) => {
      if (other === addon.id || !indexById.has(other)) {
        errors.push({
          path: at(index, `conflictsWith[${c}]`),
          message:
            other === addon.id
              ? `"${addon.id}" conflicts with itself; remove the entry`
              : `"${other}" is not an add-on of this catalog; add it to the catalog or fix the id`,
          rule: 'catalog-references',
        });
      }
    });
  });

  catalog.addons.forEach((addon, index) => {
    const gw = addon.gatewayApi;
    if (gw && !gw.crds.bundled) {
      const missing = GATEWAY_API_CRDS.filter(
        crd => !(addon.requiresCrds ?? []).includes(crd),
      );
      if (missing.length > 0) {
        errors.push({
          path: at(index, 'requiresCrds'),
          message: `"${
            addon.id
          }" does not bundle the Gateway API CRDs (gatewayApi.crds.bundled: false), so it must wait for them: add ${missing.join(
            ', ',
          )} to requiresCrds`,
          rule: 'catalog-gateway-api',
        });
      }
    }
    const replacement = addon.retired?.replacement;
    if (replacement !== undefined && !indexById.has(replacement)) {
      errors.push({
        path: at(index, 'retired.replacement'),
        message: `"${replacement}" is not an add-on of this catalog; name the add-on to move to, or drop the field`,
        rule: 'catalog-references',
      });
    }
  });

  const byId = catalogIndex(catalog);
  const cycle = findDependencyCycle(
    catalog.addons.map(a => a.id),
    // a self-reference is reported above, not as a cycle
    id => (byId.get(id)?.dependsOn ?? []).filter(dep => dep !== id),
  );
  if (cycle) {
    const index = indexById.get(cycle[0]) as number;
    errors.push({
      path: at(index, 'dependsOn'),
      message: `dependency cycle ${cycle.join(
        ' → ',
      )}; remove one of these dependsOn entries so the add-ons can be installed in order`,
      rule: 'catalog-cycle',
    });
  }
  return errors;
}

/** The catalog's add-ons by id. @public */
export function catalogIndex(
  catalog: AddonCatalog,
): Map<string, AddonDefinition> {
  return new Map(catalog.addons.map(a => [a.id, a]));
}

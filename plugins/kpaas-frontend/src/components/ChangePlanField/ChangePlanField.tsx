/*
 * `KpaasChangePlan`: the change template's plan while the form is filled in. The registered
 * cluster.yaml of the chosen cluster with the form's change applied by kpaas-common's
 * applyClusterChange and described by changeSummary, the same functions kpaas:cluster-change
 * runs for the pull request: the workers added or drained and removed, the add-ons installed and
 * uninstalled in order, the add-on values diffs, the Kubernetes upgrade path, or the refusal
 * naming the field. The
 * Terraform plan per resource comes with the pull request (kpaas:provision, mode plan).
 */
import useAsync from 'react-use/esm/useAsync';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { parseEntityRef } from '@backstage/catalog-model';
import { MarkdownContent, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import {
  applyClusterChange,
  changeSummary,
  editClusterYaml,
  parseAddonValuesInput,
  parseClusterSpec,
  renderClusterYaml,
} from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../../api';

/** Name of the field in templates (`ui:field: KpaasChangePlan`). */
export const KPAAS_CHANGE_PLAN_FIELD = 'KpaasChangePlan';

/** Read-only: it sets no value; the change lives in the form's other fields. */
export type ChangePlanFieldProps = FieldExtensionComponentProps<unknown>;

const list = (v: unknown) =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function clusterName(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || !ref) return undefined;
  try {
    return parseEntityRef(ref, { defaultKind: 'resource' }).name;
  } catch {
    return undefined;
  }
}

export function ChangePlanField(props: ChangePlanFieldProps) {
  const { schema, idSchema, formContext } = props;
  const form = (formContext?.formData ?? {}) as Record<string, unknown>;
  const name = clusterName(form.cluster);
  const api = useApi(kpaasApiRef);
  const loaded = useAsync(async () => {
    if (!name) return undefined;
    const [registration, catalog] = await Promise.all([
      api.getCluster(name),
      api.getAddonCatalog(),
    ]);
    return { registration, catalog };
  }, [api, name]);

  const title = <Typography variant="h6">{schema.title ?? 'Plan'}</Typography>;
  const body = () => {
    if (!name)
      return <Typography variant="body2">Choose a cluster first.</Typography>;
    if (loaded.loading) return <Progress />;
    if (loaded.error) {
      return (
        <Alert severity="warning">
          The plan cannot be shown: {loaded.error.message}
        </Alert>
      );
    }
    const { registration, catalog } = loaded.value!;
    const parsed = parseClusterSpec(registration.spec, { catalog });
    if (!parsed.ok) {
      return (
        <Alert severity="warning">
          Cluster "{name}" has no registered cluster.yaml to plan against; the
          pull request's plan is made from its repository.
        </Alert>
      );
    }
    // the add-on values text is read as kpaas:cluster-change reads it
    const addonValues = parseAddonValuesInput(form.addonValues);
    const request = {
      workers: typeof form.workers === 'number' ? form.workers : undefined,
      addAddons: list(form.addAddons),
      removeAddons: list(form.removeAddons),
      kubernetesVersion:
        typeof form.kubernetesVersion === 'string' && form.kubernetesVersion
          ? form.kubernetesVersion
          : undefined,
      addonValues: addonValues.ok ? addonValues.value : undefined,
    };
    const result = addonValues.ok
      ? applyClusterChange(parsed.spec, request, catalog)
      : addonValues;
    if (!result.ok) {
      return (
        <Alert severity="error" data-testid="kpaas-change-refused">
          {result.errors.map(e => (
            <div key={`${e.path}:${e.message}`}>
              <b>{e.path}</b>: {e.message}
            </div>
          ))}
        </Alert>
      );
    }
    const before = renderClusterYaml(parsed.spec);
    const after = editClusterYaml(before, parsed.spec, result.spec);
    const summary = changeSummary(
      { spec: parsed.spec, text: before },
      { spec: result.spec, text: after },
      { plan: result.plan, catalog },
    );
    return <MarkdownContent content={summary} />;
  };
  return (
    <Box my={2} id={idSchema?.$id} data-testid="kpaas-change-plan">
      {title}
      <Typography variant="body2" color="textSecondary" paragraph>
        {schema.description}
      </Typography>
      {body()}
    </Box>
  );
}

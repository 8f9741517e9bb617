/*
 * The scaffolder's template form (the `:namespace/:templateName` page of /create) with the review
 * step's values formatted by OrderReviewState. Backstage 1.55's new-frontend-system templates
 * sub-page takes no review component, so the app (packages/app, modules/scaffolder) mounts this
 * in its place; everything else is the scaffolder's own Workflow: the same field extensions
 * (those registered as form-field extensions plus the built-in Secret field), the same secrets
 * context and the same task creation.
 */
import { ReactNode, useCallback, useState } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { BreadcrumbEntry } from '@backstage/frontend-plugin-api';
import {
  FieldExtensionComponentProps,
  FieldExtensionOptions,
  scaffolderApiRef,
  SecretsContextProvider,
  useTemplateSecrets,
} from '@backstage/plugin-scaffolder-react';
import {
  formFieldsApiRef,
  ScaffolderField,
  SecretWidget,
  useTemplateParameterSchema,
  Workflow,
} from '@backstage/plugin-scaffolder-react/alpha';
import { OrderReviewState } from './OrderReviewState';

/** The built-in `ui:field: Secret` (the scaffolder registers it outside the form-field API). */
function SecretField(props: FieldExtensionComponentProps<string>) {
  const { rawErrors, disabled, errors, required, uiSchema, schema } = props;
  return (
    <ScaffolderField
      rawErrors={rawErrors}
      rawDescription={
        (uiSchema?.['ui:description'] as string | undefined) ??
        schema.description
      }
      disabled={disabled}
      errors={errors}
      required={required}
    >
      <SecretWidget {...(props as any)} />
    </ScaffolderField>
  );
}

const SECRET_FIELD: FieldExtensionOptions = {
  name: 'Secret',
  component: SecretField as any,
};

export interface ReviewingTemplateWizardProps {
  namespace: string;
  templateName: string;
  /** Where a created task is shown: the scaffolder's task page. */
  taskPath(taskId: string): string;
  /** Where to go when the template cannot be loaded: the template list. */
  listPath: string;
  /**
   * The scaffolder's own form, for a template with form decorators (only the scaffolder can
   * run those).
   */
  fallback: ReactNode;
}

function Wizard(props: ReviewingTemplateWizardProps) {
  const { namespace, templateName } = props;
  const scaffolderApi = useApi(scaffolderApiRef);
  const formFieldsApi = useApi(formFieldsApiRef);
  const { secrets } = useTemplateSecrets();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const fields = useAsync(
    () => formFieldsApi.loadFormFields(),
    [formFieldsApi],
  );
  const templateRef = stringifyEntityRef({
    kind: 'Template',
    namespace,
    name: templateName,
  });

  const onCreate = useCallback(
    async (values: Record<string, any>) => {
      if (creating) return;
      setCreating(true);
      try {
        const { taskId } = await scaffolderApi.scaffold({
          templateRef,
          values,
          secrets,
        });
        navigate(props.taskPath(taskId));
      } finally {
        setCreating(false);
      }
    },
    [creating, scaffolderApi, templateRef, secrets, navigate, props],
  );
  const onError = useCallback(
    () => <Navigate to={props.listPath} />,
    [props.listPath],
  );

  const { manifest, loading } = useTemplateParameterSchema(templateRef);

  if (fields.loading || loading) return <Progress />;
  if (
    manifest?.formDecorators?.length ||
    manifest?.EXPERIMENTAL_formDecorators?.length
  ) {
    return <>{props.fallback}</>;
  }
  // a form field is the same object as the field extension options it was created from
  const extensions = [
    ...((fields.value ?? []) as unknown as FieldExtensionOptions[]),
    SECRET_FIELD,
  ];
  return (
    <>
      {creating && <Progress />}
      <Workflow
        namespace={namespace}
        templateName={templateName}
        onCreate={onCreate}
        onError={onError}
        extensions={extensions}
        formProps={{ EXPERIMENTAL_theme: 'mui' } as any}
        components={{ ReviewStateComponent: OrderReviewState }}
      />
    </>
  );
}

/** The template form with the formatted review step. */
export function ReviewingTemplateWizard(props: ReviewingTemplateWizardProps) {
  return (
    <BreadcrumbEntry entry={{ label: props.templateName, href: '.' }}>
      <SecretsContextProvider>
        <Wizard {...props} />
      </SecretsContextProvider>
    </BreadcrumbEntry>
  );
}

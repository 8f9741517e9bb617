/*
 * The scaffolder's pages as kpaas needs them (Backstage 1.55, new frontend system): the templates
 * sub-page takes no review component and the tasks sub-page no error view, so this module wraps
 * both. A template form's review shows its values formatted (OrderReviewState: page order, host
 * tables, Yes / No); a failed task shows the action's explanation first and the raw tool output
 * collapsed (KpaasTaskPage). Every other route of the two sub-pages is the scaffolder's own.
 */
import { ReactElement } from 'react';
import { Route, Routes, useParams } from 'react-router-dom';
import {
  coreExtensionData,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import { useRouteRef } from '@backstage/core-plugin-api';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import { rootRouteRef } from '@backstage/plugin-scaffolder';
import {
  KpaasTaskPage,
  KpaasTaskPageProps,
  ReviewingTemplateWizard,
} from '@internal/plugin-kpaas';

/** Routes below the templates sub-page: `<namespace>/<template>` is the form. */
function TemplatesRoutes(props: { original: ReactElement }) {
  const rest = useParams()['*'] ?? '';
  const root = useRouteRef(rootRouteRef)();
  const form = /^([^/]+)\/([^/]+)\/?$/.exec(rest);
  if (!form) return props.original;
  return (
    <ReviewingTemplateWizard
      namespace={decodeURIComponent(form[1])}
      templateName={decodeURIComponent(form[2])}
      listPath={`${root}/templates`}
      taskPath={taskId => `${root}/tasks/${encodeURIComponent(taskId)}`}
      fallback={props.original}
    />
  );
}

const templatesSubPage = scaffolderPlugin
  .getExtension('sub-page:scaffolder/templates')
  .override({
    *factory(originalFactory, { config }) {
      const original = originalFactory();
      const element = original.get(coreExtensionData.reactElement);
      for (const value of original) {
        if (value.id !== coreExtensionData.reactElement.id) yield value;
      }
      // the Backstage UI theme of the form stays the scaffolder's own
      yield coreExtensionData.reactElement(
        config.enableBackstageUi ? (
          element
        ) : (
          <Routes>
            <Route path="*" element={<TemplatesRoutes original={element} />} />
          </Routes>
        ),
      );
    },
  });

/** Routes below the tasks sub-page: `<taskId>` is a task's page. */
function TasksRoutes(props: {
  original: ReactElement;
  templateOutputs: KpaasTaskPageProps['templateOutputs'];
}) {
  const rest = useParams()['*'] ?? '';
  const root = useRouteRef(rootRouteRef)();
  const task = /^([^/]+)\/?$/.exec(rest);
  if (!task) return props.original;
  const taskId = decodeURIComponent(task[1]);
  return (
    <KpaasTaskPage
      key={taskId}
      taskId={taskId}
      templatePath={(namespace, name) =>
        `${root}/templates/${encodeURIComponent(
          namespace,
        )}/${encodeURIComponent(name)}`
      }
      templateOutputs={props.templateOutputs}
    />
  );
}

const tasksSubPage = scaffolderPlugin
  .getExtension('sub-page:scaffolder/tasks')
  .override({
    *factory(originalFactory, { inputs }) {
      const original = originalFactory();
      const element = original.get(coreExtensionData.reactElement);
      for (const value of original) {
        if (value.id !== coreExtensionData.reactElement.id) yield value;
      }
      yield coreExtensionData.reactElement(
        <Routes>
          <Route
            path="*"
            element={
              <TasksRoutes
                original={element}
                templateOutputs={inputs.templateOutputsComponents}
              />
            }
          />
        </Routes>,
      );
    },
  });

/** @public */
export const scaffolderModuleKpaas = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [templatesSubPage, tasksSubPage],
});

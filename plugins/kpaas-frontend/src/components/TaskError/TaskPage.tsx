/*
 * The scaffolder's task page (/create/tasks/:taskId) with a failure shown by TaskError: the
 * action's explanation first, the raw tool output collapsed. Backstage 1.55's new-frontend-system
 * tasks sub-page shows every failure as one banner of the whole message, so the app
 * (packages/app, modules/scaffolder) mounts this page instead. The rest is the scaffolder's own
 * parts: the event stream, the step list, the outputs, the log, and cancel / retry / start over
 * (the scaffolder backend checks the permission of each).
 */
import { ComponentType, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Paper from '@material-ui/core/Paper';
import { makeStyles } from '@material-ui/core/styles';
import { Content, ContentHeader, Progress } from '@backstage/core-components';
import { errorApiRef, useApi } from '@backstage/core-plugin-api';
import { BreadcrumbEntry } from '@backstage/frontend-plugin-api';
import {
  scaffolderApiRef,
  ScaffolderTaskOutput,
  useTaskEventStream,
} from '@backstage/plugin-scaffolder-react';
import {
  DefaultTemplateOutputs,
  scaffolderTemplateOutputsComponentRef,
  scaffolderTemplateOutputTemplateRefsRef,
  TaskLogStream,
  TaskSteps,
} from '@backstage/plugin-scaffolder-react/alpha';
import { TaskError } from './TaskError';

export interface KpaasTaskPageProps {
  taskId: string;
  /** The template form, for "Start over" with the task's values. */
  templatePath(namespace: string, name: string): string;
  /**
   * The scaffolder template-outputs extensions attached to the tasks sub-page (its
   * `templateOutputsComponents` input): a template's own view of its outputs.
   */
  templateOutputs?: Array<{ get(ref: unknown): unknown }>;
}

type OutputsView = ComponentType<{ output?: ScaffolderTaskOutput }>;

function outputsFor(
  inputs: KpaasTaskPageProps['templateOutputs'],
  templateRef: string,
): OutputsView | undefined {
  const input = inputs?.find(i =>
    (i.get(scaffolderTemplateOutputTemplateRefsRef) as string[]).includes(
      templateRef,
    ),
  );
  return input?.get(scaffolderTemplateOutputsComponentRef) as
    | OutputsView
    | undefined;
}

// The scaffolder's horizontal stepper scrolls sideways once the steps do not fit (an order has
// 13 at 1280 px): lay them out in rows instead, each step whole, without the connector lines.
const useStyles = makeStyles(theme => ({
  steps: {
    '& .MuiStepper-root': {
      display: 'grid',
      gridTemplateColumns: 'repeat(auto-fill, minmax(13rem, 1fr))',
      rowGap: theme.spacing(2),
      overflowX: 'visible',
    },
    '& .MuiStepConnector-root': { display: 'none' },
  },
}));

export function KpaasTaskPage(props: KpaasTaskPageProps) {
  const { taskId } = props;
  const classes = useStyles();
  const stream = useTaskEventStream(taskId);
  const scaffolderApi = useApi(scaffolderApiRef);
  const errorApi = useApi(errorApiRef);
  const navigate = useNavigate();
  const [logsVisible, setLogsVisible] = useState(false);
  const [cancelling, setCancelling] = useState(false);

  const steps = useMemo(
    () =>
      stream.task?.spec.steps.map(step => ({
        ...step,
        ...stream.steps?.[step.id],
      })) ?? [],
    [stream],
  );
  const activeStep = useMemo(() => {
    for (let i = steps.length - 1; i >= 0; i--) {
      if (steps[i].status !== 'open') return i;
    }
    return 0;
  }, [steps]);

  const templateInfo = stream.task?.spec.templateInfo;
  const templateRef = templateInfo?.entityRef ?? '';
  const meta = templateInfo?.entity?.metadata;
  const Outputs =
    outputsFor(props.templateOutputs, templateRef) ?? DefaultTemplateOutputs;
  const running = !(stream.cancelled || stream.completed);
  const recoverable =
    stream.task?.spec.EXPERIMENTAL_recovery?.EXPERIMENTAL_strategy ===
    'startOver';

  const report = (what: string) => (e: unknown) =>
    errorApi.post(new Error(`${what}: ${(e as Error).message ?? e}`));
  const cancel = () => {
    setCancelling(true);
    scaffolderApi.cancelTask(taskId).catch(report('Cancel failed'));
  };
  const retry = () =>
    scaffolderApi.retry?.(taskId).catch(report('Retry failed'));
  const startOver = () => {
    if (!meta?.name) return;
    navigate({
      pathname: props.templatePath(meta.namespace ?? 'default', meta.name),
      search: `?formData=${encodeURIComponent(
        JSON.stringify(stream.task?.spec.parameters ?? {}),
      )}`,
    });
  };

  return (
    <BreadcrumbEntry entry={{ label: taskId, href: taskId }}>
      <Content>
        <ContentHeader
          title={`Run of ${meta?.title ?? meta?.name ?? 'a template'}`}
        />
        {stream.loading && <Progress />}
        {stream.error && (
          <Box paddingBottom={2}>
            <TaskError error={stream.error} />
          </Box>
        )}
        <Box paddingBottom={2} className={classes.steps}>
          <TaskSteps
            steps={steps as any}
            activeStep={activeStep}
            isComplete={stream.completed}
            isError={Boolean(stream.error)}
          />
        </Box>
        <Outputs output={stream.output} />
        <Box paddingBottom={2}>
          <Paper>
            <Box
              padding={2}
              display="flex"
              justifyContent="flex-end"
              gridGap={8}
            >
              <Button
                onClick={cancel}
                disabled={!running || cancelling}
                data-testid="cancel-button"
              >
                Cancel
              </Button>
              {recoverable && (
                <Button
                  onClick={retry}
                  disabled={running}
                  data-testid="retry-button"
                >
                  Retry
                </Button>
              )}
              <Button
                color="primary"
                variant="outlined"
                onClick={() => setLogsVisible(!logsVisible)}
              >
                {logsVisible ? 'Hide logs' : 'Show logs'}
              </Button>
              <Button
                color="primary"
                variant="contained"
                onClick={startOver}
                disabled={running || !meta?.name}
                data-testid="start-over-button"
              >
                Start over
              </Button>
            </Box>
          </Paper>
        </Box>
        {logsVisible && (
          <Paper style={{ height: '100%' }}>
            <Box padding={2} height="100%">
              <TaskLogStream logs={stream.stepLogs} />
            </Box>
          </Paper>
        )}
      </Content>
    </BreadcrumbEntry>
  );
}

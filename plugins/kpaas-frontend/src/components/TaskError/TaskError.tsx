/*
 * A failed scaffolder task as a reader needs it: the action's explanation first (the classified
 * cause and its fix, then what failed), and the tool's raw output (Terraform's box-drawn
 * diagnostics, a remote step's last lines) collapsed below it, with a copy button.
 */
import { useState } from 'react';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { CopyTextButton } from '@backstage/core-components';
import { splitTaskFailure } from '@internal/plugin-kpaas-common';

const useStyles = makeStyles(theme => ({
  explanation: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' },
  raw: {
    margin: 0,
    fontFamily: 'monospace',
    fontSize: theme.typography.body2.fontSize,
    whiteSpace: 'pre',
    overflowX: 'auto',
    flex: 1,
  },
  tail: { marginTop: theme.spacing(1.5), background: 'transparent' },
}));

export interface TaskErrorProps {
  error: { name?: string; message: string };
}

export function TaskError(props: TaskErrorProps) {
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const { explanation, tail } = splitTaskFailure(props.error.message);
  const lines = tail?.split('\n').length ?? 0;
  return (
    <Alert severity="error" data-testid="kpaas-task-error">
      <AlertTitle>The task failed</AlertTitle>
      <Typography
        variant="body2"
        component="div"
        className={classes.explanation}
        data-testid="kpaas-task-error-explanation"
      >
        {explanation}
      </Typography>
      {tail && (
        <Accordion
          className={classes.tail}
          expanded={open}
          onChange={(_, expanded) => setOpen(expanded)}
          TransitionProps={{ unmountOnExit: true }}
          data-testid="kpaas-task-error-output"
        >
          <AccordionSummary expandIcon={<ExpandMoreIcon />}>
            <Typography variant="body2">
              {open ? 'Hide' : 'Show'} the raw output ({lines} last{' '}
              {lines === 1 ? 'line' : 'lines'})
            </Typography>
          </AccordionSummary>
          <AccordionDetails>
            <pre className={classes.raw}>{tail}</pre>
            <CopyTextButton text={tail} />
          </AccordionDetails>
        </Accordion>
      )}
    </Alert>
  );
}

import {
  Box,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import {
  deriveResourceTotals,
  previewClusterSpecFromForm,
  RoleResources,
} from '@internal/plugin-kpaas-common';

/** Name of the field in templates (`ui:field: KpaasClusterTotals`). */
export const KPAAS_CLUSTER_TOTALS_FIELD = 'KpaasClusterTotals';

/** The field's own value: it never sets one (read-only); the totals live in the form data. */
export type ClusterTotalsFieldProps = FieldExtensionComponentProps<unknown>;

const figure = (value: number | undefined) =>
  value === undefined ? '?' : String(value);

function eachMachine(role: RoleResources): string {
  if (role.vcpuEach === undefined && role.memoryGiBEach === undefined) {
    return role.diskGiBEach === undefined
      ? 'size unknown'
      : `? / ? / ${role.diskGiBEach} GiB`;
  }
  return `${figure(role.vcpuEach)} vCPU / ${figure(
    role.memoryGiBEach,
  )} GiB / ${figure(role.diskGiBEach)} GiB`;
}

/**
 * `KpaasClusterTotals`: read-only summary of the machines the kpaas-cluster form orders —
 * vCPU, memory and disk per role and in total, computed by kpaas-common's deriveResourceTotals
 * from the whole form (the scaffolder passes it as formContext.formData) through the one
 * form-to-spec mapping kpaas:cluster-repo uses (previewClusterSpecFromForm: values not valid yet
 * count as the target's defaults), so the user sees them before Create.
 */
export function ClusterTotalsField(props: ClusterTotalsFieldProps) {
  const { schema, idSchema, formContext } = props;
  const title = schema.title ?? 'Resource totals';
  const spec = previewClusterSpecFromForm(formContext?.formData);

  if (!spec) {
    return (
      <Box my={2} id={idSchema?.$id}>
        <Typography variant="h6">{title}</Typography>
        <Typography variant="body2" color="textSecondary">
          Choose a target first: the totals follow from the target, the node
          counts and the machine sizes.
        </Typography>
      </Box>
    );
  }

  const totals = deriveResourceTotals(spec);
  return (
    <Box my={2} id={idSchema?.$id} data-testid="kpaas-cluster-totals">
      <Typography variant="h6">{title}</Typography>
      {schema.description && (
        <Typography variant="body2" color="textSecondary">
          {schema.description}
        </Typography>
      )}
      <Table size="small" aria-label={title}>
        <TableHead>
          <TableRow>
            <TableCell>Role</TableCell>
            <TableCell align="right">Machines</TableCell>
            <TableCell>Each (vCPU / memory / disk)</TableCell>
            <TableCell align="right">vCPU</TableCell>
            <TableCell align="right">Memory (GiB)</TableCell>
            <TableCell align="right">Disk (GiB)</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {totals.roles.map(role => (
            <TableRow key={role.role} data-testid={`totals-${role.role}`}>
              <TableCell component="th" scope="row">
                {role.role}
              </TableCell>
              <TableCell align="right">{role.machines}</TableCell>
              <TableCell>{eachMachine(role)}</TableCell>
              <TableCell align="right">{figure(role.vcpu)}</TableCell>
              <TableCell align="right">{figure(role.memoryGiB)}</TableCell>
              <TableCell align="right">{figure(role.diskGiB)}</TableCell>
            </TableRow>
          ))}
          <TableRow data-testid="totals-total">
            <TableCell component="th" scope="row">
              <strong>Total{totals.complete ? '' : ' (known figures)'}</strong>
            </TableCell>
            <TableCell align="right">
              <strong>{totals.total.machines}</strong>
            </TableCell>
            <TableCell />
            <TableCell align="right">
              <strong>{totals.total.vcpu}</strong>
            </TableCell>
            <TableCell align="right">
              <strong>{totals.total.memoryGiB}</strong>
            </TableCell>
            <TableCell align="right">
              <strong>{totals.total.diskGiB}</strong>
            </TableCell>
          </TableRow>
        </TableBody>
      </Table>
      {totals.notes.length > 0 && (
        <Box component="ul" mt={1} mb={0} pl={3} data-testid="totals-notes">
          {totals.notes.map(note => (
            <Typography
              component="li"
              variant="body2"
              color="textSecondary"
              key={note}
            >
              {note}
            </Typography>
          ))}
        </Box>
      )}
    </Box>
  );
}

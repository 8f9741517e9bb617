import {
  Box,
  Button,
  FormHelperText,
  IconButton,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import AddIcon from '@material-ui/icons/Add';
import DeleteIcon from '@material-ui/icons/Delete';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';

/** Name of the field in templates (`ui:field: KpaasHostsField`). */
export const KPAAS_HOSTS_FIELD = 'KpaasHostsField';

/** One existing machine, as spec.target.hosts[] has it. */
export interface HostEntry {
  name?: string;
  role?: string;
  address?: string;
  port?: number;
  user?: string;
  hostKeyFingerprint?: string;
}

export type HostsFieldProps = FieldExtensionComponentProps<HostEntry[]>;

type Column = {
  key: keyof HostEntry;
  label: string;
  width: string;
  placeholder?: string;
  numeric?: boolean;
};

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', width: '15%', placeholder: 'cp-1' },
  { key: 'role', label: 'Role', width: '13%' },
  { key: 'address', label: 'Address', width: '16%', placeholder: '10.0.0.11' },
  { key: 'port', label: 'Port', width: '8%', placeholder: '22', numeric: true },
  { key: 'user', label: 'User', width: '11%', placeholder: 'ubuntu' },
  {
    key: 'hostKeyFingerprint',
    label: 'Host key fingerprint',
    width: '33%',
    placeholder: 'SHA256:…',
  },
];

const useStyles = makeStyles(theme => ({
  table: { tableLayout: 'fixed', width: '100%' },
  cell: {
    padding: theme.spacing(0.5, 0.5),
    verticalAlign: 'top',
    borderBottom: 'none',
  },
  head: {
    padding: theme.spacing(0.5),
    fontWeight: 600,
    whiteSpace: 'nowrap',
  },
  input: { fontSize: '0.875rem' },
  fingerprint: { fontFamily: 'monospace', fontSize: '0.8rem' },
}));

/** The role values the schema allows (items.properties.role.enum). */
function rolesOf(schema: any): string[] {
  return schema?.items?.properties?.role?.enum ?? ['control-plane', 'worker'];
}

/**
 * `KpaasHostsField`: existing machines as a compact table, one row per host (name, role,
 * address, SSH port and user, host key fingerprint), instead of one stacked form per host. The
 * schema's own rules (required columns, patterns) still validate each row; their errors are shown
 * under the cell. The value is the hosts array.
 */
export function HostsField(props: HostsFieldProps) {
  const { formData, onChange, schema, rawErrors, errorSchema, idSchema } =
    props;
  const classes = useStyles();
  const hosts = formData ?? [];
  const roles = rolesOf(schema);
  const requiredColumns: string[] = (schema as any)?.items?.required ?? [];
  const baseId = idSchema?.$id ?? 'hosts';

  const update = (index: number, key: keyof HostEntry, raw: string) => {
    const next = hosts.map((host, i) => {
      if (i !== index) return host;
      const copy: HostEntry = { ...host };
      if (raw === '') delete copy[key];
      else if (key === 'port') copy.port = Number(raw);
      else (copy as Record<string, unknown>)[key] = raw;
      return copy;
    });
    onChange(next);
  };
  const errorsOf = (index: number, key: string): string[] =>
    ((errorSchema as any)?.[index]?.[key]?.__errors as string[]) ?? [];

  return (
    <Box id={baseId} data-testid="kpaas-hosts-field">
      <Typography variant="h6">{schema.title ?? 'Hosts'}</Typography>
      {schema.description && (
        <Typography variant="body2" color="textSecondary">
          {schema.description}
        </Typography>
      )}
      <Table size="small" className={classes.table} aria-label="Hosts">
        <colgroup>
          {COLUMNS.map(c => (
            <col key={c.key} style={{ width: c.width }} />
          ))}
          <col style={{ width: '4%' }} />
        </colgroup>
        <TableHead>
          <TableRow>
            {COLUMNS.map(c => (
              <TableCell key={c.key} className={classes.head}>
                {c.label}
                {requiredColumns.includes(c.key) ? ' *' : ''}
              </TableCell>
            ))}
            <TableCell className={classes.head} />
          </TableRow>
        </TableHead>
        <TableBody>
          {hosts.map((host, index) => (
            <TableRow key={index} data-testid="kpaas-host-row">
              {COLUMNS.map(c => {
                const errors = errorsOf(index, c.key);
                const value =
                  host[c.key] === undefined ? '' : String(host[c.key]);
                const common = {
                  id: `${baseId}_${index}_${c.key}`,
                  value,
                  size: 'small' as const,
                  fullWidth: true,
                  error: errors.length > 0,
                  helperText: errors.length > 0 ? errors.join('; ') : undefined,
                  inputProps: {
                    'aria-label': `${c.label} of host ${index + 1}`,
                    className:
                      c.key === 'hostKeyFingerprint'
                        ? classes.fingerprint
                        : classes.input,
                  },
                  onChange: (e: { target: { value: string } }) =>
                    update(index, c.key, e.target.value),
                };
                return (
                  <TableCell key={c.key} className={classes.cell}>
                    {c.key === 'role' ? (
                      <TextField select {...common}>
                        {roles.map(role => (
                          <MenuItem key={role} value={role}>
                            {role}
                          </MenuItem>
                        ))}
                      </TextField>
                    ) : (
                      <TextField
                        {...common}
                        type={c.numeric ? 'number' : 'text'}
                        placeholder={c.placeholder}
                      />
                    )}
                  </TableCell>
                );
              })}
              <TableCell className={classes.cell}>
                <IconButton
                  size="small"
                  aria-label={`Remove host ${index + 1}`}
                  onClick={() => onChange(hosts.filter((_, i) => i !== index))}
                >
                  <DeleteIcon fontSize="small" />
                </IconButton>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box mt={1}>
        <Button
          size="small"
          startIcon={<AddIcon />}
          onClick={() =>
            onChange([
              ...hosts,
              { role: hosts.length === 0 ? 'control-plane' : 'worker' },
            ])
          }
        >
          Add host
        </Button>
      </Box>
      {rawErrors && rawErrors.length > 0 && (
        <FormHelperText error>{rawErrors.join('; ')}</FormHelperText>
      )}
    </Box>
  );
}

import {
  Box,
  Checkbox,
  Chip,
  FormHelperText,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import useAsync from 'react-use/esm/useAsync';
import { useEffect } from 'react';
import { kpaasApiRef } from '../../api';
import { addonGroups, toggleAddon, withDependencies } from './addonChoice';

/** Name of the field in templates (`ui:field: KpaasAddonPicker`). */
export const KPAAS_ADDON_PICKER_FIELD = 'KpaasAddonPicker';

export type AddonPickerProps = FieldExtensionComponentProps<string[]>;

const useStyles = makeStyles(theme => ({
  group: { marginTop: theme.spacing(1.5) },
  category: {
    textTransform: 'capitalize',
    fontWeight: 600,
    borderBottom: `1px solid ${theme.palette.divider}`,
    paddingBottom: theme.spacing(0.25),
  },
  row: {
    display: 'grid',
    gridTemplateColumns: 'auto minmax(12rem, 1fr) 7rem minmax(10rem, 1.4fr)',
    alignItems: 'center',
    columnGap: theme.spacing(1),
    minHeight: 36,
  },
  title: { overflowWrap: 'normal', wordBreak: 'normal' },
  version: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    color: theme.palette.text.secondary,
    whiteSpace: 'nowrap',
  },
  notes: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    alignItems: 'center',
  },
  note: { fontSize: '0.8rem' },
}));

/**
 * `KpaasAddonPicker`: the add-on catalog from kpaas-backend (`GET /api/kpaas/addons`) grouped by
 * category, each add-on with its pinned version. Ticking one ticks what it depends on; one that
 * other chosen add-ons need cannot be unticked; one that conflicts with a chosen add-on cannot be
 * ticked, and the row says which and why. The value is the list of chosen ids.
 */
export function AddonPicker(props: AddonPickerProps) {
  const { formData, onChange, schema, rawErrors, idSchema, required } = props;
  const classes = useStyles();
  const api = useApi(kpaasApiRef);
  const catalog = useAsync(() => api.getAddonCatalog(), [api]);
  const chosen = formData ?? [];
  const title = schema.title ?? 'Add-ons';

  // A default or prefilled choice gets its dependencies once the catalog is there.
  const value = catalog.value;
  useEffect(() => {
    if (!value) return;
    const complete = withDependencies(value, chosen);
    if (complete.join() !== chosen.join()) onChange(complete);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  if (catalog.loading) return <Progress />;
  if (catalog.error || !value) {
    return (
      <Box id={idSchema?.$id}>
        <Typography variant="h6">{title}</Typography>
        <FormHelperText error>
          The add-on catalog could not be loaded from kpaas-backend:{' '}
          {catalog.error?.message ?? 'no answer'}
        </FormHelperText>
      </Box>
    );
  }

  const groups = addonGroups(value, chosen);
  return (
    <Box id={idSchema?.$id} data-testid="kpaas-addon-picker">
      <Typography variant="h6">
        {title}
        {required ? ' *' : ''}
      </Typography>
      {schema.description && (
        <Typography variant="body2" color="textSecondary">
          {schema.description}
        </Typography>
      )}
      {groups.map(group => (
        <Box key={group.category} className={classes.group}>
          <Typography variant="subtitle2" className={classes.category}>
            {group.category.replace('-', ' ')}
          </Typography>
          {group.rows.map(row => {
            const locked = row.selected && row.neededBy.length > 0;
            const blocked = !row.selected && !!row.blockedBy;
            const id = `${idSchema?.$id ?? 'addons'}-${row.addon.id}`;
            return (
              <Box
                key={row.addon.id}
                className={classes.row}
                data-testid={`addon-${row.addon.id}`}
              >
                <Checkbox
                  id={id}
                  size="small"
                  checked={row.selected}
                  disabled={locked || blocked}
                  onChange={(_e, on) =>
                    onChange(toggleAddon(value, chosen, row.addon.id, on))
                  }
                  inputProps={{ 'aria-label': row.addon.title }}
                />
                <Typography
                  component="label"
                  htmlFor={id}
                  variant="body2"
                  className={classes.title}
                >
                  {row.addon.title}
                </Typography>
                <span className={classes.version}>{row.version}</span>
                <span className={classes.notes}>
                  {row.retired && (
                    <Chip size="small" label="retired" title={row.retired} />
                  )}
                  {row.addon.dependsOn.length > 0 && (
                    <Typography
                      variant="body2"
                      color="textSecondary"
                      className={classes.note}
                    >
                      needs{' '}
                      {row.addon.dependsOn
                        .map(
                          dep =>
                            value.addons.find(a => a.id === dep)?.title ?? dep,
                        )
                        .join(', ')}
                    </Typography>
                  )}
                  {locked && (
                    <Typography
                      variant="body2"
                      color="textSecondary"
                      className={classes.note}
                      data-testid="addon-needed-by"
                    >
                      needed by {row.neededBy.join(', ')}
                    </Typography>
                  )}
                  {blocked && (
                    <Typography
                      variant="body2"
                      color="error"
                      className={classes.note}
                      data-testid="addon-blocked"
                    >
                      {row.blockedBy}
                    </Typography>
                  )}
                </span>
              </Box>
            );
          })}
        </Box>
      ))}
      {rawErrors && rawErrors.length > 0 && (
        <FormHelperText error>{rawErrors.join('; ')}</FormHelperText>
      )}
    </Box>
  );
}

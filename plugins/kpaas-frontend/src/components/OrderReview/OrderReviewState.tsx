/*
 * The scaffolder's review page with the values formatted for reading: fields in the order of the
 * template's pages, a list of objects (the existing hosts) as a compact table, an object inside a
 * block (a VM size) on one line, and booleans as Yes / No. The scaffolder's own ReviewState still
 * does the rest (titles, masks, hidden fields, the chosen if/then/else branch).
 */
import { useMemo } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  ReviewState,
  ReviewStateProps,
} from '@backstage/plugin-scaffolder-react/alpha';
import {
  conditionKeys,
  inOrder,
  JsonObject,
  JsonValue,
  propertyOrder,
  propertySchema,
} from './reviewLayout';

const useStyles = makeStyles(theme => ({
  table: { width: 'auto' },
  cell: {
    whiteSpace: 'nowrap',
    padding: theme.spacing(0.25, 1.5, 0.25, 0),
    borderBottom: 'none',
    fontSize: theme.typography.body2.fontSize,
  },
  head: { fontWeight: theme.typography.fontWeightBold as number },
  // a long value (a host key fingerprint) stays on one line, cut with an ellipsis, its whole
  // text in the tooltip: broken over lines it is unreadable, whole it widens the page at 1280 px
  long: {
    maxWidth: '16em',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  },
}));

const LONG_VALUE = 24;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const title = (schema: JsonObject | undefined, key: string) =>
  typeof schema?.title === 'string' && schema.title ? schema.title : key;

function plain(value: JsonValue | undefined): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Objects (one per row) as a table; its columns are the item schema's fields in order. */
export function ReviewTable(props: {
  rows: JsonObject[];
  itemSchema?: JsonObject;
}) {
  const classes = useStyles();
  const order = props.itemSchema ? propertyOrder(props.itemSchema) : [];
  const used = new Set(props.rows.flatMap(row => Object.keys(row)));
  const columns = [
    ...order.filter(k => used.has(k)),
    ...[...used].filter(k => !order.includes(k)),
  ];
  const heading = (key: string) =>
    title(
      props.itemSchema ? propertySchema(props.itemSchema, key) : undefined,
      key,
    );
  return (
    <Table
      size="small"
      className={classes.table}
      data-testid="kpaas-review-table"
    >
      <TableHead>
        <TableRow>
          {columns.map(key => (
            <TableCell key={key} className={`${classes.cell} ${classes.head}`}>
              {heading(key)}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {props.rows.map((row, i) => (
          <TableRow key={i} data-testid="kpaas-review-row">
            {columns.map(key => {
              const text = plain(row[key]);
              const long = text.length > LONG_VALUE ? ` ${classes.long}` : '';
              return (
                <TableCell
                  key={key}
                  className={`${classes.cell}${long}`}
                  title={long ? text : undefined}
                >
                  {text}
                </TableCell>
              );
            })}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** A small object on one line: `vCPUs: 2 · Memory (GiB): 4 · Disk (GiB): 40`. */
export function ReviewLine(props: { value: JsonObject; schema?: JsonObject }) {
  const order = props.schema ? propertyOrder(props.schema) : [];
  const text = inOrder(props.value, order)
    .map(([key, v]) => {
      const sub = props.schema ? propertySchema(props.schema, key) : undefined;
      return `${title(sub, key)}: ${plain(v)}`;
    })
    .join(' · ');
  return (
    <Typography variant="body2" component="span">
      {text}
    </Typography>
  );
}

/**
 * The form state as the review shows it. A formatted value is a one-element list holding the
 * element: the scaffolder splits objects into rows but shows a list's elements as they are.
 */
export function formatReviewState(
  schemas: ReviewStateProps['schemas'],
  formState: JsonObject,
): JsonObject {
  const pages = schemas.map(s => s.mergedSchema as JsonObject);
  const orders = pages.map(propertyOrder);
  const raw = conditionKeys(pages);
  const page = (key: string) => {
    const i = orders.findIndex(o => o.includes(key));
    return i < 0 ? pages.length : i;
  };
  const pageOrder = [
    ...orders.flat(),
    // keys of no page keep their place after every page's fields
  ];

  const format = (
    key: string,
    value: JsonValue | undefined,
    schema: JsonObject | undefined,
    depth: number,
  ): JsonValue | undefined => {
    if (raw.has(key)) return value;
    if (typeof value === 'boolean') return value ? 'Yes' : 'No';
    if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
      const items = isObject(schema?.items) ? schema!.items : undefined;
      return [
        (
          <ReviewTable rows={value as JsonObject[]} itemSchema={items} />
        ) as unknown as JsonValue,
      ];
    }
    if (isObject(value)) {
      if (depth > 0) {
        return [
          (
            <ReviewLine value={value} schema={schema} />
          ) as unknown as JsonValue,
        ];
      }
      const order = schema ? propertyOrder(schema) : [];
      return Object.fromEntries(
        inOrder(value, order).map(([k, v]) => [
          k,
          format(
            k,
            v,
            schema ? propertySchema(schema, k) : undefined,
            depth + 1,
          ),
        ]),
      );
    }
    return value;
  };

  const entries = Object.entries(formState)
    .map((entry, i) => ({ entry, i }))
    .sort(
      (a, b) =>
        page(a.entry[0]) - page(b.entry[0]) ||
        pageOrder.indexOf(a.entry[0]) - pageOrder.indexOf(b.entry[0]) ||
        a.i - b.i,
    )
    .map(({ entry: [key, value] }) => {
      const p = page(key);
      const schema =
        p < pages.length ? propertySchema(pages[p], key) : undefined;
      return [key, format(key, value, schema, 0)];
    });
  return Object.fromEntries(entries);
}

/** The review page's state component (`components.ReviewStateComponent` of the scaffolder). */
export function OrderReviewState(props: ReviewStateProps) {
  const { schemas, formState } = props;
  const shown = useMemo(
    () => formatReviewState(schemas, formState as JsonObject),
    [schemas, formState],
  );
  return <ReviewState schemas={schemas} formState={shown as any} />;
}

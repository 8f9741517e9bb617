import type { TableColumn } from '@backstage/core-components';

// Backstage's table pads each cell by 36 px; with eight or more columns that alone pushes the
// node and fleet tables past a 1280 px screen. Half the gutter, and headers on one line. Its
// theme also lets cells break inside words ("unknow|n"): cells wrap between words only.
const CELL_STYLE = {
  paddingLeft: 8,
  paddingRight: 8,
  wordBreak: 'normal',
} as const;
const HEADER_STYLE = { ...CELL_STYLE, whiteSpace: 'nowrap' } as const;

/**
 * The columns with narrower gutters, one-line headers and widths from their content (the
 * table's default gives every column the same share, so one wide column widens them all).
 */
export function compactColumns<T extends object>(
  columns: TableColumn<T>[],
): TableColumn<T>[] {
  // Fresh style objects per column: Backstage's Table writes into them (bold for `highlight`).
  return columns.map(column => ({
    width: 'auto',
    ...column,
    cellStyle: {
      ...CELL_STYLE,
      ...(typeof column.cellStyle === 'object' ? column.cellStyle : {}),
    },
    headerStyle: { ...HEADER_STYLE },
  }));
}

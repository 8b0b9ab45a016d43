// The Runs table's column model: what a column shows (a run attribute, a param, a tag, or a metric's last, min
// or max), its stable id, its header, and how cells of it sort. Pure, so host, webview and tests share it.

import { primaryMetricOf } from './metricDirection';

/** Run facts a column can show. */
export type TableAttribute = 'name' | 'status' | 'experiment' | 'start' | 'duration' | 'commit' | 'branch' | 'user' | 'source' | 'id';

/** Every attribute column, in the order the column chooser lists them. */
export const TABLE_ATTRIBUTES: readonly TableAttribute[] = [
  'name',
  'status',
  'experiment',
  'start',
  'duration',
  'commit',
  'branch',
  'user',
  'source',
  'id',
];

/** Which value of a metric's history a column shows. */
export type MetricAggregate = 'last' | 'min' | 'max';

/** Every metric aggregate, in the order the column chooser offers them. */
export const METRIC_AGGREGATES: readonly MetricAggregate[] = ['last', 'min', 'max'];

/** What one column shows. */
export type ColumnSpec =
  | { kind: 'attribute'; key: TableAttribute }
  | { kind: 'param'; key: string }
  | { kind: 'tag'; key: string }
  | { kind: 'metric'; key: string; aggregate: MetricAggregate };

/** The param, metric and tag keys present in the runs, for the column chooser and filter completion. */
export interface ColumnCatalog {
  params: string[];
  metrics: string[];
  tags: string[];
}

/** Longest param, metric or tag key a column id may hold. */
export const MAX_COLUMN_KEY_LENGTH = 1000;

const ATTRIBUTE_LABELS: Readonly<Record<TableAttribute, string>> = {
  name: 'Name',
  status: 'Status',
  experiment: 'Experiment',
  start: 'Started',
  duration: 'Duration',
  commit: 'Commit',
  branch: 'Branch',
  user: 'User',
  source: 'Source',
  id: 'Run id',
};

/**
 * A column's id: `attribute:<name>`, `param:<key>`, `tag:<key>` or `metric:<last|min|max>:<key>`. The key comes
 * last, so keys holding ':' need no escaping.
 */
export function columnId(column: ColumnSpec): string {
  if (column.kind === 'metric') return `metric:${column.aggregate}:${column.key}`;
  return `${column.kind}:${column.key}`;
}

function isAttribute(value: string): value is TableAttribute {
  return (TABLE_ATTRIBUTES as readonly string[]).includes(value);
}

function isAggregate(value: string): value is MetricAggregate {
  return (METRIC_AGGREGATES as readonly string[]).includes(value);
}

function validKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_COLUMN_KEY_LENGTH;
}

/** The column an id names, or undefined when the id is not well-formed. */
export function parseColumnId(id: string): ColumnSpec | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const kind = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (kind === 'attribute') return isAttribute(rest) ? { kind, key: rest } : undefined;
  if (kind === 'param' || kind === 'tag') return validKey(rest) ? { kind, key: rest } : undefined;
  if (kind !== 'metric') return undefined;
  const second = rest.indexOf(':');
  const aggregate = rest.slice(0, second);
  const key = rest.slice(second + 1);
  return second > 0 && isAggregate(aggregate) && validKey(key) ? { kind, key, aggregate } : undefined;
}

/** The header text of a column, e.g. `Started`, `lr`, `acc (min)`. */
export function columnLabel(column: ColumnSpec): string {
  if (column.kind === 'attribute') return ATTRIBUTE_LABELS[column.key];
  if (column.kind === 'metric') return column.aggregate === 'last' ? column.key : `${column.key} (${column.aggregate})`;
  return column.key;
}

/** True for columns whose cells are numbers (drawn right-aligned). */
export function isNumericColumn(column: ColumnSpec): boolean {
  return column.kind === 'metric' || (column.kind === 'attribute' && (column.key === 'start' || column.key === 'duration'));
}

/**
 * The columns a table starts with, as many as `max` allows: status and name (the page pins them), then metrics
 * (last value; the primary metric first, see core/metricDirection; no system metrics), params, then when, how
 * long and which commit. Metrics come before params because they are what a table of runs is read for.
 */
export function defaultColumns(catalog: ColumnCatalog, primarySetting?: string, max = 20): ColumnSpec[] {
  const lead: ColumnSpec[] = (['status', 'name'] as const).map((key) => ({ kind: 'attribute', key }));
  const trail: ColumnSpec[] = (['start', 'duration', 'commit'] as const).map((key) => ({ kind: 'attribute', key }));
  const room = Math.max(0, max - lead.length - trail.length);
  const primary = primaryMetricOf(catalog.metrics, primarySetting);
  const others = catalog.metrics.filter((key) => key !== primary && !key.startsWith('system/'));
  const metrics = (primary === undefined ? others : [primary, ...others]).slice(0, Math.ceil(room / 2));
  const params = catalog.params.slice(0, room - metrics.length);
  return [
    ...lead,
    ...metrics.map((key): ColumnSpec => ({ kind: 'metric', key, aggregate: 'last' })),
    ...params.map((key): ColumnSpec => ({ kind: 'param', key })),
    ...trail,
  ];
}

/** A cell's sortable value: a number, a text, or null when the run has none. */
export type CellValue = number | string | null;

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

// Params are text, but "10" should follow "9": text that reads as a number sorts as one.
function sortKey(value: string | number): number | string {
  return typeof value === 'string' && NUMERIC_TEXT.test(value) ? Number(value) : value;
}

/**
 * Orders two cells ascending: numbers (NaN first, as the smallest) before texts, texts by natural order.
 * Missing cells are not ordered here: `compareRows` keeps them last in both directions.
 */
export function compareCells(a: string | number, b: string | number): number {
  const x = sortKey(a);
  const y = sortKey(b);
  if (typeof x === 'number' && typeof y === 'number') {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(y)) - Number(Number.isNaN(x));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof x === 'number') return -1;
  if (typeof y === 'number') return 1;
  return x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' }) || (x < y ? -1 : x > y ? 1 : 0);
}

/** One term of a multi-column sort. */
export interface SortTerm {
  columnId: string;
  descending: boolean;
}

/** Orders rows by their sort values, term by term; a missing value sorts last whatever the direction. */
export function compareRows(a: readonly CellValue[], b: readonly CellValue[], terms: readonly SortTerm[]): number {
  for (let i = 0; i < terms.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || x === undefined || y === null || y === undefined) {
      const missing = Number(x === null || x === undefined) - Number(y === null || y === undefined);
      if (missing !== 0) return missing;
      continue;
    }
    const order = compareCells(x, y);
    if (order !== 0) return terms[i].descending ? -order : order;
  }
  return 0;
}

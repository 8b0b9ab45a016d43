// Run filters and orders compiled to parameterized SQL over the runs table: core/filter parses, this file knows the
// tables. Same semantics as core/filter's in-memory evaluation (the unit tests run both on the same runs).
//
// SQLite's own LIKE ignores ASCII case unless a connection-wide pragma says otherwise, so neither LIKE nor ILIKE is
// compiled to LIKE: LIKE becomes GLOB (always case-sensitive) on the translated pattern, ILIKE becomes GLOB on
// lower(column) with an ASCII-lowered pattern (SQLite's lower() folds only ASCII, as core's asciiLower).
//
// Security: user keys and values only ever travel as `?` parameters; column names come from fixed tables.
import { asciiLower, parseFilter, parseOrderBy } from '../core/filter';
import type { FilterClause, FilterEntity, FilterOp, FilterValue, KeyedEntity } from '../core/filter';

/** A piece of parameterized SQL. */
export interface SqlFragment {
  sql: string;
  params: (string | number)[];
}

// The runs column of each run attribute of core's RUN_FILTER_SCHEMA.
const RUN_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'id',
  run_name: 'name',
  status: 'status',
  user_id: 'user',
  start_time: 'start_time',
  end_time: 'end_time',
  experiment_id: 'experiment_id',
  starred: 'starred',
};

// Where metric, param and tag values live; the run id column is always run_id.
const KEYED_TABLES: Readonly<Record<KeyedEntity, { table: string; column: string }>> = {
  metric: { table: 'metric_series', column: 'last' },
  param: { table: 'params', column: 'value' },
  tag: { table: 'tags', column: 'value' },
};

const SQL_COMPARISONS: Readonly<Record<FilterOp, string>> = {
  '=': '=',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  LIKE: 'GLOB',
  ILIKE: 'GLOB',
  IN: 'IN',
  'NOT IN': 'NOT IN',
};

// `kv` is the alias of the subqueries below; an outer alias of the same name would capture their references.
function checkAlias(alias: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias) || alias === 'kv') throw new Error(`Invalid table alias '${alias}'.`);
}

/** SQL for the value of one entity key of a run; NULL when the run has no such key. */
function valueSql(entity: FilterEntity, key: string, alias: string): SqlFragment {
  if (entity === 'attribute') return { sql: `${alias}.${RUN_COLUMNS[key]}`, params: [] };
  const { table, column } = KEYED_TABLES[entity];
  return { sql: `(SELECT kv.${column} FROM ${table} kv WHERE kv.run_id = ${alias}.id AND kv.key = ?)`, params: [key] };
}

/** LIKE pattern (`%`, `_`, no escape) to the equivalent GLOB pattern, GLOB's own metacharacters made literal. */
function likeToGlob(pattern: string): string {
  let out = '';
  for (const char of pattern) {
    if (char === '%') out += '*';
    else if (char === '_') out += '?';
    else if (char === '*' || char === '?' || char === '[') out += `[${char}]`;
    else out += char;
  }
  return out;
}

/** `<column> <op> ?` with the value bound the way SQLite needs it (see the LIKE note at the top). */
function comparisonSql(column: string, op: FilterOp, value: FilterValue): SqlFragment {
  const sqlOp = SQL_COMPARISONS[op];
  if (Array.isArray(value)) return { sql: `${column} ${sqlOp} (SELECT value FROM json_each(?))`, params: [JSON.stringify(value)] };
  if (typeof value === 'boolean') return { sql: `${column} ${sqlOp} ?`, params: [value ? 1 : 0] };
  if (op === 'LIKE') return { sql: `${column} GLOB ?`, params: [likeToGlob(value as string)] };
  if (op === 'ILIKE') return { sql: `lower(${column}) GLOB ?`, params: [likeToGlob(asciiLower(value as string))] };
  return { sql: `${column} ${sqlOp} ?`, params: [value as string | number] };
}

function clauseSql(clause: FilterClause, alias: string): SqlFragment {
  if (clause.entity === 'attribute') return comparisonSql(`${alias}.${RUN_COLUMNS[clause.key]}`, clause.op, clause.value);
  // Uncorrelated so SQLite can use the (key, value) / (key, last) indexes; a missing key is simply not in the set.
  const { table, column } = KEYED_TABLES[clause.entity];
  const test = comparisonSql(column, clause.op, clause.value);
  return { sql: `${alias}.id IN (SELECT run_id FROM ${table} WHERE key = ? AND ${test.sql})`, params: [clause.key, ...test.params] };
}

/** Compiles a run filter to a WHERE fragment over the runs table `alias` (always true for empty text). Throws FilterError. */
export function compileFilter(text: string, alias: string): SqlFragment {
  checkAlias(alias);
  const parts = parseFilter(text).map((clause) => clauseSql(clause, alias));
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((part) => `(${part.sql})`).join(' AND '), params: parts.flatMap((part) => part.params) };
}

/** Compiles one run ORDER BY term; runs without the key sort last in both directions. Throws FilterError. */
export function compileOrderBy(text: string, alias: string): SqlFragment {
  checkAlias(alias);
  const term = parseOrderBy(text);
  const value = valueSql(term.entity, term.key, alias);
  return { sql: `${value.sql} ${term.descending ? 'DESC' : 'ASC'} NULLS LAST`, params: value.params };
}

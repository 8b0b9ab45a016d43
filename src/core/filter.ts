// MLflow's run search grammar: `<entity>.<key> <op> <value>` clauses joined by AND, plus one-term ORDER BY.
// Parsed once into clauses, then either compiled to parameterized SQL for the store or evaluated in memory;
// both paths share the semantics below, and the unit tests check that they agree.
//
// Semantics, as MLflow has them:
// - A run without the key (or with a NULL column such as a running run's end_time) never matches, even for
//   `!=` and `NOT IN`. A metric compares its last value; a NaN last value matches nothing.
// - LIKE is case-sensitive and ILIKE ignores case, with `%` and `_` as wildcards and no escape character.
//   SQLite's own LIKE ignores ASCII case unless a connection-wide pragma says otherwise, so neither is
//   compiled to LIKE: LIKE becomes GLOB (always case-sensitive) on the translated pattern, ILIKE becomes
//   GLOB on lower(column) with an ASCII-lowered pattern. SQLite's lower() folds only ASCII, so ILIKE ignores
//   ASCII case only, and the in-memory evaluation folds exactly the same letters.
// - Quoted strings and quoted keys escape their own quote by doubling it (`'it''s'`), as SQL does.
//
// Security: user keys and values only ever travel as `?` parameters; column names come from fixed tables.

import type { RunListing } from './types';

/** A piece of parameterized SQL. */
export interface SqlFragment {
  sql: string;
  params: (string | number)[];
}

/** A filter or order-by text that does not parse; `position` is the 0-based offset of the problem. */
export class FilterError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

/** What a clause looks at. */
export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute';

/** A comparison operator, upper-cased. */
export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One `<entity>.<key> <op> <value>` clause; attribute keys are canonical names from FILTER_ATTRIBUTES. */
export interface FilterClause {
  entity: FilterEntity;
  key: string;
  op: FilterOp;
  /** A number, a string, a boolean (starred) or the list of an IN / NOT IN. */
  value: FilterValue;
  /** Offsets of the clause in the filter text, end exclusive. */
  position: number;
  end: number;
}

/** The right-hand side of a clause. */
export type FilterValue = number | string | boolean | readonly (number | string)[];

/** One parsed ORDER BY term. */
export interface OrderTerm {
  entity: FilterEntity;
  key: string;
  descending: boolean;
}

type ValueKind = 'number' | 'string' | 'boolean';

interface AttributeSpec {
  column: string;
  kind: ValueKind;
  ops: readonly FilterOp[];
  read(run: RunListing): string | number | boolean | null;
}

const NUMBER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: readonly FilterOp[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_OPS: readonly FilterOp[] = ['IN', 'NOT IN'];

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  run_id: { column: 'id', kind: 'string', ops: [...STRING_OPS, ...LIST_OPS], read: (run) => run.id },
  run_name: { column: 'name', kind: 'string', ops: [...STRING_OPS, ...LIST_OPS], read: (run) => run.name },
  status: { column: 'status', kind: 'string', ops: [...STRING_OPS, ...LIST_OPS], read: (run) => run.status },
  user_id: { column: 'user', kind: 'string', ops: [...STRING_OPS, ...LIST_OPS], read: (run) => run.user },
  start_time: { column: 'start_time', kind: 'number', ops: NUMBER_OPS, read: (run) => run.startTime },
  end_time: { column: 'end_time', kind: 'number', ops: NUMBER_OPS, read: (run) => run.endTime },
  experiment_id: { column: 'experiment_id', kind: 'number', ops: [...NUMBER_OPS, ...LIST_OPS], read: (run) => run.experimentId },
  starred: { column: 'starred', kind: 'boolean', ops: ['=', '!='], read: (run) => run.starred },
};

/** Attribute names a filter or order-by may use (bare or after `attributes.`), for completion. */
export const FILTER_ATTRIBUTES: readonly string[] = Object.keys(ATTRIBUTES);

// Other spellings MLflow accepts for the same attribute.
const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = { 'run name': 'run_name', created: 'start_time' };

const ENTITY_PREFIXES: Readonly<Record<string, FilterEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const ENTITY_OPS: Readonly<Record<Exclude<FilterEntity, 'attribute'>, readonly FilterOp[]>> = {
  metric: NUMBER_OPS,
  param: STRING_OPS,
  tag: STRING_OPS,
};

/** The operators a clause on this entity (and attribute name) accepts, for completion; undefined for an unknown attribute. */
export function filterOperators(entity: FilterEntity, key: string): readonly FilterOp[] | undefined {
  if (entity !== 'attribute') return ENTITY_OPS[entity];
  return Object.hasOwn(ATTRIBUTES, key) ? ATTRIBUTES[key].ops : undefined;
}

/** The entity a prefix such as `metrics` or `attr` names (any case), for completion; undefined when it names none. */
export function filterEntityOf(prefix: string): FilterEntity | undefined {
  const lower = prefix.toLowerCase();
  return Object.hasOwn(ENTITY_PREFIXES, lower) ? ENTITY_PREFIXES[lower] : undefined;
}

// Where metric, param and tag values live; the run id column is always run_id.
const KEYED_TABLES: Readonly<Record<Exclude<FilterEntity, 'attribute'>, { table: string; column: string }>> = {
  metric: { table: 'metric_series', column: 'last' },
  param: { table: 'params', column: 'value' },
  tag: { table: 'tags', column: 'value' },
};

/** More clauses than this is not a search but an attack (and SQLite caps expression depth at 1000). */
export const MAX_FILTER_CLAUSES = 200;
/** Longest filter or order-by text accepted. */
export const MAX_FILTER_LENGTH = 100_000;

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

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
/** A word: an entity prefix, an attribute name, an operator or AND (sticky, for Scanner.match). */
export const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
/** A bare key runs until whitespace or a character that starts an operator, a value or a list. */
export const BARE_KEY = /[^\s=!<>(),'"`]+/y;
// NUL cannot reach SQLite's pattern functions intact; lone surrogates cannot be bound as UTF-8.
const FORBIDDEN = /[\0\uD800-\uDFFF]/u;

/** 1-based column for messages. */
function at(position: number): string {
  return `at column ${position + 1}`;
}

function quoteForMessage(text: string): string {
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`;
}

/** A cursor over filter text with the small lexical helpers the grammar needs (completion replays text with it too). */
export class Scanner {
  pos = 0;

  constructor(readonly text: string) {
    if (text.length > MAX_FILTER_LENGTH) throw new FilterError(`The text is longer than ${MAX_FILTER_LENGTH} characters.`, MAX_FILTER_LENGTH);
    const bad = FORBIDDEN.exec(text);
    if (bad) throw new FilterError(`Invalid character (U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}) ${at(bad.index)}.`, bad.index);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text);
    if (!found || found[0].length === 0) return undefined;
    this.pos += found[0].length;
    return found[0];
  }

  /** A case-insensitive keyword that is a whole word. */
  keyword(word: string): boolean {
    const start = this.pos;
    const found = this.match(WORD);
    if (found?.toUpperCase() === word) return true;
    this.pos = start;
    return false;
  }

  /** Text between `quote` characters, a doubled quote standing for itself. */
  quoted(what: string): string {
    const quote = this.peek();
    const start = this.pos;
    let out = '';
    this.pos++;
    for (;;) {
      const next = this.text.indexOf(quote, this.pos);
      if (next < 0) throw new FilterError(`Unterminated ${what} starting ${at(start)}: add the closing ${quote}.`, start);
      out += this.text.slice(this.pos, next);
      this.pos = next + 1;
      if (this.peek() !== quote) return out;
      out += quote;
      this.pos++;
    }
  }
}

interface Identifier {
  entity: FilterEntity;
  key: string;
  start: number;
  spec?: AttributeSpec;
}

function isQuote(char: string): boolean {
  return char === '`' || char === '"';
}

function parseIdentifier(scanner: Scanner, context: string): Identifier {
  scanner.skipSpace();
  const start = scanner.pos;
  if (isQuote(scanner.peek())) return attribute(scanner.quoted('quoted name'), start);
  const word = scanner.match(WORD);
  if (word === undefined) {
    throw new FilterError(
      `Expected ${context} such as metrics.<key>, params.<key>, tags.<key> or an attribute (${FILTER_ATTRIBUTES.join(', ')}) ${at(start)}.`,
      start,
    );
  }
  if (scanner.peek() !== '.') return attribute(word, start);
  const entity = ENTITY_PREFIXES[word.toLowerCase()];
  if (!entity) throw new FilterError(`Unknown entity '${word}' ${at(start)}: expected metrics, params, tags or attributes.`, start);
  scanner.pos++;
  const keyStart = scanner.pos;
  const key = isQuote(scanner.peek()) ? scanner.quoted('quoted key') : scanner.match(BARE_KEY);
  if (!key) throw new FilterError(`Expected a key after '${word}.' ${at(keyStart)}.`, keyStart);
  return entity === 'attribute' ? attribute(key, start) : { entity, key, start };
}

function attribute(name: string, start: number): Identifier {
  const lower = name.toLowerCase();
  const key = ATTRIBUTE_ALIASES[lower] ?? lower;
  const spec = ATTRIBUTES[key];
  if (!spec) {
    throw new FilterError(
      `Unknown attribute ${quoteForMessage(name)} ${at(start)}: expected one of ${FILTER_ATTRIBUTES.join(', ')} ` +
        `(for a metric, param or tag write metrics.${name}, params.${name} or tags.${name}).`,
      start,
    );
  }
  return { entity: 'attribute', key, start, spec };
}

function describe(id: Identifier): string {
  return id.entity === 'attribute' ? id.key : `${id.entity}s.${id.key}`;
}

function parseOperator(scanner: Scanner, id: Identifier): FilterOp {
  scanner.skipSpace();
  const start = scanner.pos;
  const symbol = scanner.match(/!=|<=|>=|=|<|>/y);
  const op = (symbol ?? wordOperator(scanner)) as FilterOp | undefined;
  if (!op) throw new FilterError(`Expected a comparison operator after ${quoteForMessage(scanner.text.slice(id.start, start).trim())} ${at(start)}.`, start);
  const allowed = id.spec?.ops ?? ENTITY_OPS[id.entity as Exclude<FilterEntity, 'attribute'>];
  if (!allowed.includes(op)) {
    throw new FilterError(`Operator '${op}' cannot be used with ${describe(id)} ${at(start)}: use ${allowed.join(', ')}.`, start);
  }
  return op;
}

function wordOperator(scanner: Scanner): FilterOp | undefined {
  for (const word of ['LIKE', 'ILIKE', 'IN'] as const) if (scanner.keyword(word)) return word;
  const start = scanner.pos;
  if (scanner.keyword('NOT')) {
    scanner.skipSpace();
    if (scanner.keyword('IN')) return 'NOT IN';
    scanner.pos = start;
  }
  return undefined;
}

function kindOf(id: Identifier): ValueKind {
  return id.spec?.kind ?? (id.entity === 'metric' ? 'number' : 'string');
}

function parseValue(scanner: Scanner, id: Identifier, op: FilterOp): FilterValue {
  scanner.skipSpace();
  return op === 'IN' || op === 'NOT IN' ? parseList(scanner, id) : parseScalar(scanner, id);
}

function parseList(scanner: Scanner, id: Identifier): (number | string)[] {
  const start = scanner.pos;
  if (scanner.peek() !== '(') throw new FilterError(`Expected a parenthesized list such as ('a', 'b') after IN ${at(start)}.`, start);
  scanner.pos++;
  const values: (number | string)[] = [];
  scanner.skipSpace();
  if (scanner.peek() === ')') throw new FilterError(`The list after IN ${at(start)} is empty.`, start);
  for (;;) {
    scanner.skipSpace();
    values.push(parseScalar(scanner, id) as number | string);
    scanner.skipSpace();
    const char = scanner.peek();
    scanner.pos++;
    if (char === ')') return values;
    if (char !== ',') throw new FilterError(`Expected ',' or ')' in the list that starts ${at(start)}, found ${at(scanner.pos - 1)}.`, scanner.pos - 1);
  }
}

function parseScalar(scanner: Scanner, id: Identifier): number | string | boolean {
  const start = scanner.pos;
  const kind = kindOf(id);
  const quoted = scanner.peek() === "'" || scanner.peek() === '"';
  if (kind === 'string') {
    if (quoted) return scanner.quoted('string');
    throw new FilterError(`Expected a quoted string ('…' or "…") as the value of ${describe(id)} ${at(start)}.`, start);
  }
  if (kind === 'boolean') return parseBoolean(scanner, id, quoted);
  // Metrics take bare numbers only, as MLflow; numeric attributes also take quoted ones (experiment ids are strings in MLflow).
  const text = quoted && id.entity === 'attribute' ? scanner.quoted('string') : scanner.match(NUMBER);
  const number = text !== undefined && fullNumber(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(number)) {
    const hint = quoted ? ' without quotes' : '';
    throw new FilterError(`Expected a number${hint} as the value of ${describe(id)} ${at(start)}.`, start);
  }
  return number;
}

function fullNumber(text: string): boolean {
  NUMBER.lastIndex = 0;
  return NUMBER.exec(text)?.[0] === text;
}

function parseBoolean(scanner: Scanner, id: Identifier, quoted: boolean): boolean {
  const start = scanner.pos;
  const text = (quoted ? scanner.quoted('string') : scanner.match(WORD) ?? '').toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new FilterError(`Expected true or false as the value of ${describe(id)} ${at(start)}.`, start);
}

function parseClause(scanner: Scanner): FilterClause {
  const id = parseIdentifier(scanner, 'a column');
  const op = parseOperator(scanner, id);
  const value = parseValue(scanner, id, op);
  return { entity: id.entity, key: id.key, op, value, position: id.start, end: scanner.pos };
}

/** Parses an MLflow search filter into clauses (all must hold); empty text gives no clauses. Throws FilterError. */
export function parseFilter(text: string): FilterClause[] {
  const scanner = new Scanner(text);
  const clauses: FilterClause[] = [];
  if (scanner.atEnd()) return clauses;
  for (;;) {
    clauses.push(parseClause(scanner));
    if (scanner.atEnd()) return clauses;
    const start = scanner.pos;
    if (!scanner.keyword('AND')) {
      const or = scanner.keyword('OR');
      const message = or ? `Only AND can join clauses; OR is not supported` : `Expected AND or the end of the filter`;
      throw new FilterError(`${message} ${at(start)}.`, start);
    }
    if (scanner.atEnd()) throw new FilterError(`Expected a clause after AND ${at(scanner.pos)}.`, scanner.pos);
    if (clauses.length >= MAX_FILTER_CLAUSES) throw new FilterError(`Too many clauses: at most ${MAX_FILTER_CLAUSES} are allowed (${at(start)}).`, start);
  }
}

/** Parses one ORDER BY term: `<column> [ASC|DESC]`. Throws FilterError. */
export function parseOrderBy(text: string): OrderTerm {
  const scanner = new Scanner(text);
  const id = parseIdentifier(scanner, 'a column to order by');
  scanner.skipSpace();
  const descending = scanner.keyword('DESC');
  if (!descending) scanner.keyword('ASC');
  if (!scanner.atEnd()) throw new FilterError(`Expected ASC, DESC or the end of the order ${at(scanner.pos)}.`, scanner.pos);
  return { entity: id.entity, key: id.key, descending };
}

// ---- SQL ----

// `kv` is the alias of the subqueries below; an outer alias of the same name would capture their references.
function checkAlias(alias: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias) || alias === 'kv') throw new Error(`Invalid table alias '${alias}'.`);
}

/** SQL for the value of one entity key of a run; NULL when the run has no such key. */
function valueSql(entity: FilterEntity, key: string, alias: string): SqlFragment {
  if (entity === 'attribute') return { sql: `${alias}.${ATTRIBUTES[key].column}`, params: [] };
  const { table, column } = KEYED_TABLES[entity];
  return { sql: `(SELECT kv.${column} FROM ${table} kv WHERE kv.run_id = ${alias}.id AND kv.key = ?)`, params: [key] };
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
  if (clause.entity === 'attribute') return comparisonSql(`${alias}.${ATTRIBUTES[clause.key].column}`, clause.op, clause.value);
  // Uncorrelated so SQLite can use the (key, value) / (key, last) indexes; a missing key is simply not in the set.
  const { table, column } = KEYED_TABLES[clause.entity];
  const test = comparisonSql(column, clause.op, clause.value);
  return { sql: `${alias}.id IN (SELECT run_id FROM ${table} WHERE key = ? AND ${test.sql})`, params: [clause.key, ...test.params] };
}

/** Compiles a filter to a WHERE fragment over the runs table `alias` (always true for empty text). Throws FilterError. */
export function compileFilter(text: string, alias: string): SqlFragment {
  checkAlias(alias);
  const parts = parseFilter(text).map((clause) => clauseSql(clause, alias));
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((part) => `(${part.sql})`).join(' AND '), params: parts.flatMap((part) => part.params) };
}

/** Compiles one ORDER BY term; runs without the key sort last in both directions. Throws FilterError. */
export function compileOrderBy(text: string, alias: string): SqlFragment {
  checkAlias(alias);
  const term = parseOrderBy(text);
  const value = valueSql(term.entity, term.key, alias);
  return { sql: `${value.sql} ${term.descending ? 'DESC' : 'ASC'} NULLS LAST`, params: value.params };
}

// ---- LIKE patterns ----

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

/** Folds A-Z only, exactly as SQLite's built-in lower() does. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

const likeCache = new Map<string, RegExp>();

function likeRegExp(pattern: string): RegExp {
  let regexp = likeCache.get(pattern);
  if (!regexp) {
    const body = pattern.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
    regexp = new RegExp(`^${body}$`, 'su');
    if (likeCache.size > 256) likeCache.clear();
    likeCache.set(pattern, regexp);
  }
  return regexp;
}

// ---- in memory ----

function compare(actual: string | number | boolean | null, op: FilterOp, expected: FilterValue): boolean {
  // Missing keys, NULL columns and NaN metrics match nothing, as their SQL NULLs do.
  if (actual === null || (typeof actual === 'number' && Number.isNaN(actual))) return false;
  if (Array.isArray(expected)) return expected.includes(actual as string | number) === (op === 'IN');
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return (actual as number) < (expected as number);
    case '<=':
      return (actual as number) <= (expected as number);
    case '>':
      return (actual as number) > (expected as number);
    case '>=':
      return (actual as number) >= (expected as number);
    case 'LIKE':
      return likeRegExp(expected as string).test(actual as string);
    default:
      return likeRegExp(asciiLower(expected as string)).test(asciiLower(actual as string));
  }
}

function actualValue(clause: FilterClause, run: RunListing): string | number | boolean | null {
  switch (clause.entity) {
    case 'attribute':
      return ATTRIBUTES[clause.key].read(run);
    case 'metric':
      return Object.hasOwn(run.metrics, clause.key) ? run.metrics[clause.key].last : null;
    case 'param':
      return Object.hasOwn(run.params, clause.key) ? run.params[clause.key] : null;
    default:
      return Object.hasOwn(run.tags, clause.key) ? run.tags[clause.key] : null;
  }
}

/** True when the run satisfies every clause, with the same semantics as compileFilter's SQL. */
export function matchesFilter(clauses: readonly FilterClause[], run: RunListing): boolean {
  return clauses.every((clause) => compare(actualValue(clause, run), clause.op, clause.value));
}

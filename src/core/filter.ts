// MLflow's search grammar: `<entity>.<key> <op> <value>` clauses joined by AND, plus one-term ORDER BY. One parser
// for every search (runs, experiments, registered models, model versions, logged models), each with its own
// FilterSchema (attributes, keyed entities), into clauses; one in-memory evaluator (matchesClauses) for the
// searches the server answers over records, and one SQL compiler for runs next to the store (src/store/filterSql.ts,
// so core stays free of SQL). The unit tests check that SQL and memory agree for every entity.
//
// Semantics, as MLflow has them:
// - A record without the key (or with a NULL column such as a running run's end_time) never matches, even for
//   `!=` and `NOT IN`. A metric compares its last value; a NaN last value matches nothing.
// - LIKE is case-sensitive and ILIKE ignores case, with `%` and `_` as wildcards and no escape character.
//   ILIKE folds ASCII letters only (asciiLower), as SQLite's lower() does on MLflow's SQL store and on ours, so a
//   search in memory and one in SQL select the same records.
// - Quoted strings and quoted keys escape their own quote by doubling it (`'it''s'`), as SQL does; a backslash is
//   an ordinary character (MLflow strips the quotes and unescapes nothing).

import type { RunListing } from './types';

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

/** One `<entity>.<key> <op> <value>` clause; attribute keys are canonical names from the schema's attributes. */
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

/** What an attribute holds, which decides how its value is written. */
export type FilterValueKind = 'number' | 'string' | 'boolean';

/** One attribute a search can filter on: its value kind and the operators it accepts. */
export interface FilterAttribute {
  kind: FilterValueKind;
  ops: readonly FilterOp[];
}

/** Entities other than attributes, each a map of keys to values on a record. */
export type KeyedEntity = Exclude<FilterEntity, 'attribute'>;

/** What one kind of search accepts: its attributes (canonical name -> spec), other spellings, keyed entities. */
export interface FilterSchema {
  attributes: Readonly<Record<string, FilterAttribute>>;
  aliases: Readonly<Record<string, string>>;
  keyed: readonly KeyedEntity[];
}

/** A value a record holds for a clause; null when it has none. */
export type FilterActual = string | number | boolean | null;

/** Operators on numbers. */
export const NUMBER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>='];
/** Operators on strings. */
export const STRING_OPS: readonly FilterOp[] = ['=', '!=', 'LIKE', 'ILIKE'];
/** Operators that take a list. */
export const LIST_OPS: readonly FilterOp[] = ['IN', 'NOT IN'];

const RUN_STRING: FilterAttribute = { kind: 'string', ops: [...STRING_OPS, ...LIST_OPS] };

// How each run attribute is read from a listed run, for the in-memory evaluation.
const RUN_READERS: Readonly<Record<string, (run: RunListing) => FilterActual>> = {
  run_id: (run) => run.id,
  run_name: (run) => run.name,
  status: (run) => run.status,
  user_id: (run) => run.user,
  start_time: (run) => run.startTime,
  end_time: (run) => run.endTime,
  experiment_id: (run) => run.experimentId,
  starred: (run) => run.starred,
};

/** The run search: MLflow's run attributes plus `starred`, and metrics, params and tags. */
export const RUN_FILTER_SCHEMA: FilterSchema = {
  attributes: {
    run_id: RUN_STRING,
    run_name: RUN_STRING,
    status: RUN_STRING,
    user_id: RUN_STRING,
    start_time: { kind: 'number', ops: NUMBER_OPS },
    end_time: { kind: 'number', ops: NUMBER_OPS },
    experiment_id: { kind: 'number', ops: [...NUMBER_OPS, ...LIST_OPS] },
    starred: { kind: 'boolean', ops: ['=', '!='] },
  },
  // Other spellings MLflow accepts for the same attribute.
  aliases: { 'run name': 'run_name', created: 'start_time' },
  keyed: ['metric', 'param', 'tag'],
};

/** Attribute names a run filter or order-by may use (bare or after `attributes.`), for completion. */
export const FILTER_ATTRIBUTES: readonly string[] = Object.keys(RUN_FILTER_SCHEMA.attributes);

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

const ENTITY_OPS: Readonly<Record<KeyedEntity, readonly FilterOp[]>> = {
  metric: NUMBER_OPS,
  param: STRING_OPS,
  tag: STRING_OPS,
};

/** The operators a run clause on this entity (and attribute name) accepts, for completion; undefined for an unknown attribute. */
export function filterOperators(entity: FilterEntity, key: string): readonly FilterOp[] | undefined {
  if (entity !== 'attribute') return ENTITY_OPS[entity];
  return Object.hasOwn(RUN_FILTER_SCHEMA.attributes, key) ? RUN_FILTER_SCHEMA.attributes[key].ops : undefined;
}

/** The entity a prefix such as `metrics` or `attr` names (any case), for completion; undefined when it names none. */
export function filterEntityOf(prefix: string): FilterEntity | undefined {
  const lower = prefix.toLowerCase();
  return Object.hasOwn(ENTITY_PREFIXES, lower) ? ENTITY_PREFIXES[lower] : undefined;
}

/** More clauses than this is not a search but an attack (and SQLite caps expression depth at 1000). */
export const MAX_FILTER_CLAUSES = 200;
/** Longest filter or order-by text accepted. */
export const MAX_FILTER_LENGTH = 100_000;

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
    if (bad)
      throw new FilterError(`Invalid character (U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}) ${at(bad.index)}.`, bad.index);
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
  spec?: FilterAttribute;
}

function isQuote(char: string): boolean {
  return char === '`' || char === '"';
}

/** `metrics.<key>, params.<key>` and so on for the schema's keyed entities, for messages. */
function keyedHint(schema: FilterSchema, key: string): string {
  return schema.keyed.map((entity) => `${entity}s.${key}`).join(', ');
}

function parseIdentifier(scanner: Scanner, schema: FilterSchema, context: string): Identifier {
  scanner.skipSpace();
  const start = scanner.pos;
  if (isQuote(scanner.peek())) return attribute(schema, scanner.quoted('quoted name'), start);
  const word = scanner.match(WORD);
  if (word === undefined) {
    const attributes = Object.keys(schema.attributes).join(', ');
    throw new FilterError(`Expected ${context} such as ${keyedHint(schema, '<key>')} or an attribute (${attributes}) ${at(start)}.`, start);
  }
  if (scanner.peek() !== '.') return attribute(schema, word, start);
  const entity = ENTITY_PREFIXES[word.toLowerCase()];
  if (!entity || (entity !== 'attribute' && !schema.keyed.includes(entity))) {
    const expected = [...schema.keyed.map((keyed) => `${keyed}s`), 'attributes'].join(', ');
    throw new FilterError(`Unknown entity '${word}' ${at(start)}: expected ${expected}.`, start);
  }
  scanner.pos++;
  const keyStart = scanner.pos;
  const key = isQuote(scanner.peek()) ? scanner.quoted('quoted key') : scanner.match(BARE_KEY);
  if (!key) throw new FilterError(`Expected a key after '${word}.' ${at(keyStart)}.`, keyStart);
  return entity === 'attribute' ? attribute(schema, key, start) : { entity, key, start };
}

function attribute(schema: FilterSchema, name: string, start: number): Identifier {
  const lower = name.toLowerCase();
  const key = Object.hasOwn(schema.aliases, lower) ? schema.aliases[lower] : lower;
  if (!Object.hasOwn(schema.attributes, key)) {
    const keyed = schema.keyed.length > 0 ? ` (for a key write ${keyedHint(schema, name)})` : '';
    throw new FilterError(
      `Unknown attribute ${quoteForMessage(name)} ${at(start)}: expected one of ${Object.keys(schema.attributes).join(', ')}${keyed}.`,
      start,
    );
  }
  return { entity: 'attribute', key, start, spec: schema.attributes[key] };
}

function describe(id: Identifier): string {
  return id.entity === 'attribute' ? id.key : `${id.entity}s.${id.key}`;
}

function parseOperator(scanner: Scanner, id: Identifier): FilterOp {
  scanner.skipSpace();
  const start = scanner.pos;
  const symbol = scanner.match(/!=|<=|>=|=|<|>/y);
  const op = (symbol ?? wordOperator(scanner)) as FilterOp | undefined;
  if (!op)
    throw new FilterError(`Expected a comparison operator after ${quoteForMessage(scanner.text.slice(id.start, start).trim())} ${at(start)}.`, start);
  const allowed = id.spec?.ops ?? ENTITY_OPS[id.entity as KeyedEntity];
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

function kindOf(id: Identifier): FilterValueKind {
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
    if (char !== ',')
      throw new FilterError(`Expected ',' or ')' in the list that starts ${at(start)}, found ${at(scanner.pos - 1)}.`, scanner.pos - 1);
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
  const text = (quoted ? scanner.quoted('string') : (scanner.match(WORD) ?? '')).toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new FilterError(`Expected true or false as the value of ${describe(id)} ${at(start)}.`, start);
}

function parseClause(scanner: Scanner, schema: FilterSchema): FilterClause {
  const id = parseIdentifier(scanner, schema, 'a column');
  const op = parseOperator(scanner, id);
  const value = parseValue(scanner, id, op);
  return { entity: id.entity, key: id.key, op, value, position: id.start, end: scanner.pos };
}

/** Parses an MLflow search filter into clauses (all must hold); empty text gives no clauses. Throws FilterError. */
export function parseFilter(text: string, schema: FilterSchema = RUN_FILTER_SCHEMA): FilterClause[] {
  const scanner = new Scanner(text);
  const clauses: FilterClause[] = [];
  if (scanner.atEnd()) return clauses;
  for (;;) {
    clauses.push(parseClause(scanner, schema));
    if (scanner.atEnd()) return clauses;
    const start = scanner.pos;
    if (!scanner.keyword('AND')) {
      const or = scanner.keyword('OR');
      const message = or ? `Only AND can join clauses; OR is not supported` : `Expected AND or the end of the filter`;
      throw new FilterError(`${message} ${at(start)}.`, start);
    }
    if (scanner.atEnd()) throw new FilterError(`Expected a clause after AND ${at(scanner.pos)}.`, scanner.pos);
    if (clauses.length >= MAX_FILTER_CLAUSES)
      throw new FilterError(`Too many clauses: at most ${MAX_FILTER_CLAUSES} are allowed (${at(start)}).`, start);
  }
}

/** Parses one ORDER BY term: `<column> [ASC|DESC]`. Throws FilterError. */
export function parseOrderBy(text: string, schema: FilterSchema = RUN_FILTER_SCHEMA): OrderTerm {
  const scanner = new Scanner(text);
  const id = parseIdentifier(scanner, schema, 'a column to order by');
  scanner.skipSpace();
  const descending = scanner.keyword('DESC');
  if (!descending) scanner.keyword('ASC');
  if (!scanner.atEnd()) throw new FilterError(`Expected ASC, DESC or the end of the order ${at(scanner.pos)}.`, scanner.pos);
  return { entity: id.entity, key: id.key, descending };
}

// ---- LIKE patterns ----

/** Folds A-Z only, exactly as SQLite's built-in lower() does: ILIKE's case folding everywhere. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

const likeCache = new Map<string, RegExp>();

// Only the characters a `u` RegExp lets one escape (an escaped '-' or '/' is a syntax error there).
function likeRegExp(pattern: string): RegExp {
  let regexp = likeCache.get(pattern);
  if (!regexp) {
    const body = pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.');
    regexp = new RegExp(`^${body}$`, 'su');
    if (likeCache.size > 256) likeCache.clear();
    likeCache.set(pattern, regexp);
  }
  return regexp;
}

// ---- in memory ----

function compare(actual: FilterActual, op: FilterOp, expected: FilterValue): boolean {
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
      return likeRegExp(expected as string).test(String(actual));
    default:
      return likeRegExp(asciiLower(expected as string)).test(asciiLower(String(actual)));
  }
}

/** Reads the value a clause looks at from a record: an attribute, or one key of a keyed entity; null when absent. */
export type FilterLookup<T> = (record: T, entity: FilterEntity, key: string) => FilterActual;

/** True when the record satisfies every clause: the one in-memory evaluation of every search. */
export function matchesClauses<T>(clauses: readonly FilterClause[], record: T, lookup: FilterLookup<T>): boolean {
  return clauses.every((clause) => compare(lookup(record, clause.entity, clause.key), clause.op, clause.value));
}

/** A keyed value of a map, null when the map lacks the key. */
function keyedValue<V extends FilterActual>(values: Readonly<Record<string, V>>, key: string): FilterActual {
  return Object.hasOwn(values, key) ? values[key] : null;
}

/** The value a run clause looks at. */
export function runFilterValue(run: RunListing, entity: FilterEntity, key: string): FilterActual {
  switch (entity) {
    case 'attribute':
      return RUN_READERS[key](run);
    case 'metric':
      return Object.hasOwn(run.metrics, key) ? run.metrics[key].last : null;
    case 'param':
      return keyedValue(run.params, key);
    default:
      return keyedValue(run.tags, key);
  }
}

/** True when the run satisfies every clause, with the same semantics as the store's SQL (src/store/filterSql.ts). */
export function matchesFilter(clauses: readonly FilterClause[], run: RunListing): boolean {
  return matchesClauses(clauses, run, runFilterValue);
}

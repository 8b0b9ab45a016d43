// The small filter and order-by grammar of MLflow's experiment, registry and logged-model searches
// (`name = 'x' AND tags.team LIKE 'ml%'`), evaluated over records in memory: those lists are short.
// Run search uses the store's SQL filter (src/core/filter.ts) instead.
import { invalid } from './fields';
import type { Fields } from './fields';
import { pageOf } from './paging';
import type { Page } from './paging';

type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One `field op value` clause. */
export interface Clause {
  field: string;
  op: Operator;
  value: string | number | string[];
}

/** One order-by term. */
export interface OrderTerm {
  field: string;
  descending: boolean;
}

/** Looks a field up on a record; undefined when the record has no such field (a missing tag). */
export type FieldLookup<T> = (item: T, field: string) => string | number | undefined;

const TOKEN = /\s*(?:(`(?:[^`]|``)*`)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.|'')*')|(!=|<=|>=|=|<|>|\(|\)|,)|([-+]?\d+(?:\.\d+)?(?![\w.]))|([\w.]+))/y;

function unquote(text: string): string {
  const quote = text[0];
  const body = text.slice(1, -1);
  return quote === '`' ? body.replace(/``/g, '`') : body.replace(new RegExp(`${quote}${quote}`, 'g'), quote).replace(/\\(.)/g, '$1');
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'symbol' | 'word';
  text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw invalid(`Cannot parse filter at position ${start}: '${text.slice(start, start + 20)}'.`);
    if (m[1]) tokens.push({ kind: 'ident', text: unquote(m[1]) });
    else if (m[2]) tokens.push({ kind: 'ident', text: unquote(m[2]) });
    else if (m[3]) tokens.push({ kind: 'string', text: unquote(m[3]) });
    else if (m[4]) tokens.push({ kind: 'symbol', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'number', text: m[5] });
    else tokens.push({ kind: 'word', text: m[6] });
  }
  return tokens;
}

// A field is a dotted name whose parts may be quoted: tags.`my key`, `name`, tags."x".
function readField(tokens: Token[], i: number): [string, number] {
  let field = '';
  let j = i;
  while (j < tokens.length && (tokens[j].kind === 'word' || tokens[j].kind === 'ident')) {
    field += tokens[j].text;
    j++;
    if (!field.endsWith('.')) break;
  }
  if (!field) throw invalid(`Expected a field name in filter, found '${tokens[i]?.text ?? 'end of filter'}'.`);
  return [field, j];
}

function readOperator(tokens: Token[], i: number): [Operator, number] {
  const token = tokens[i];
  if (token?.kind === 'symbol' && ['=', '!=', '<', '<=', '>', '>='].includes(token.text)) return [token.text as Operator, i + 1];
  const word = token?.kind === 'word' ? token.text.toUpperCase() : '';
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return [word, i + 1];
  if (word === 'NOT' && tokens[i + 1]?.text.toUpperCase() === 'IN') return ['NOT IN', i + 2];
  throw invalid(`Expected a comparison operator in filter, found '${token?.text ?? 'end of filter'}'.`);
}

function readValue(tokens: Token[], i: number, op: Operator): [Clause['value'], number] {
  if (op === 'IN' || op === 'NOT IN') return readList(tokens, i);
  const token = tokens[i];
  if (token?.kind === 'string') return [token.text, i + 1];
  if (token?.kind === 'number' && op !== 'LIKE' && op !== 'ILIKE') return [Number(token.text), i + 1];
  throw invalid(`Expected a quoted value in filter, found '${token?.text ?? 'end of filter'}'.`);
}

function readList(tokens: Token[], i: number): [string[], number] {
  if (tokens[i]?.text !== '(') throw invalid("Expected '(' after IN in filter.");
  const values: string[] = [];
  let j = i + 1;
  for (;;) {
    const token = tokens[j];
    if (token?.kind !== 'string') throw invalid(`Expected a quoted value in IN list, found '${token?.text ?? 'end of filter'}'.`);
    values.push(token.text);
    const next = tokens[j + 1]?.text;
    j += 2;
    if (next === ')') return [values, j];
    if (next !== ',') throw invalid("Expected ',' or ')' in IN list.");
  }
}

/** Parses `clause AND clause ...`; checks every field with `isField`. Blank text is no clause. */
export function parseFilter(text: string | undefined, isField: (field: string) => boolean): Clause[] {
  if (!text?.trim()) return [];
  const tokens = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  for (;;) {
    const [field, afterField] = readField(tokens, i);
    if (!isField(field)) throw invalid(`Invalid field '${field}' in filter.`);
    const [op, afterOp] = readOperator(tokens, afterField);
    const [value, afterValue] = readValue(tokens, afterOp, op);
    clauses.push({ field, op, value });
    if (afterValue >= tokens.length) return clauses;
    if (tokens[afterValue].kind !== 'word' || tokens[afterValue].text.toUpperCase() !== 'AND') {
      throw invalid(`Expected AND between filter clauses, found '${tokens[afterValue].text}' (only AND is supported).`);
    }
    i = afterValue + 1;
  }
}

function likePattern(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function compare(actual: string | number, op: Operator, expected: Clause['value']): boolean {
  if (Array.isArray(expected)) return expected.includes(String(actual)) === (op === 'IN');
  if (op === 'LIKE' || op === 'ILIKE') return likePattern(String(expected), op === 'ILIKE' ? 'si' : 's').test(String(actual));
  const [a, b] = typeof expected === 'number' ? [Number(actual), expected] : [String(actual), expected];
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** True when the item satisfies every clause (a field the item lacks satisfies none). */
export function matches<T>(item: T, clauses: readonly Clause[], lookup: FieldLookup<T>): boolean {
  return clauses.every((clause) => {
    const actual = lookup(item, clause.field);
    return actual !== undefined && compare(actual, clause.op, clause.value);
  });
}

/** Parses order-by terms like `name ASC`, `creation_timestamp DESC`; checks fields with `isField`. */
export function parseOrderBy(terms: readonly string[], isField: (field: string) => boolean): OrderTerm[] {
  return terms.map((term) => {
    const m = /^\s*(`[^`]+`|[\w.]+)\s*(ASC|DESC)?\s*$/i.exec(term);
    if (!m) throw invalid(`Invalid order_by clause '${term}'.`);
    const field = m[1].replace(/^`|`$/g, '');
    if (!isField(field)) throw invalid(`Invalid order_by field '${field}'.`);
    return { field, descending: (m[2] ?? 'ASC').toUpperCase() === 'DESC' };
  });
}

/** Sorts a copy by the terms (stable: items equal on every term keep their order). */
export function sortBy<T>(items: readonly T[], terms: readonly OrderTerm[], lookup: FieldLookup<T>): T[] {
  if (terms.length === 0) return [...items];
  return [...items].sort((x, y) => {
    for (const { field, descending } of terms) {
      const a = lookup(x, field);
      const b = lookup(y, field);
      if (a === b) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const order = a < b ? -1 : 1;
      return descending ? -order : order;
    }
    return 0;
  });
}

/** Field names made of fixed attributes plus `<prefix>.<anything>` (tags.x, params.x). */
export function fieldSet(attributes: readonly string[], prefixes: readonly string[] = []): (field: string) => boolean {
  return (field) => attributes.includes(field) || prefixes.some((p) => field.startsWith(`${p}.`) && field.length > p.length + 1);
}

/** How one kind of record is searched: its attribute values and its keyed maps (tags.x, params.x). */
export interface Searchable<T> {
  attributes: readonly string[];
  valuesOf: (item: T) => Record<string, string | number>;
  keyed: Record<string, (item: T) => Record<string, string>>;
}

const ATTRIBUTE_PREFIX = /^attributes?\./;

/** Whether a filter or order-by field names something of this kind of record (`attributes.name` is `name`). */
export function isFieldOf<T>(spec: Searchable<T>): (field: string) => boolean {
  const known = fieldSet(spec.attributes, Object.keys(spec.keyed));
  return (field) => known(field.replace(ATTRIBUTE_PREFIX, ''));
}

/** The lookup of a field on a record of this kind. */
export function lookupOf<T>(spec: Searchable<T>): FieldLookup<T> {
  return (item, field) => {
    const bare = field.replace(ATTRIBUTE_PREFIX, '');
    const dot = bare.indexOf('.');
    const keyed = dot > 0 ? spec.keyed[bare.slice(0, dot)] : undefined;
    return keyed ? keyed(item)[bare.slice(dot + 1)] : spec.valuesOf(item)[bare];
  };
}

/**
 * One page of the records matching the request's `filter`, sorted by its `order_by` (or `order`), with MLflow's
 * default and largest `max_results` for this kind of search.
 */
export function searchPage<T>(
  items: readonly T[],
  spec: Searchable<T>,
  fields: Fields,
  limits: { fallback: number; cap: number },
  order: readonly OrderTerm[] = parseOrderBy(fields.strings('order_by'), isFieldOf(spec)),
): Page<T> {
  const lookup = lookupOf(spec);
  const clauses = parseFilter(fields.optString('filter'), isFieldOf(spec));
  const found = items.filter((item) => matches(item, clauses, lookup));
  return pageOf(sortBy(found, order, lookup), fields.maxResults(limits.fallback, limits.cap), fields.optString('page_token'));
}

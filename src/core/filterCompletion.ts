// Completion for the MLflow filter grammar of core/filter: what may come at the cursor (an entity prefix, a key
// from the catalog, an operator the key accepts, a status value, AND). The text before the cursor is replayed
// through the clause shape `<entity>.<key> <op> <value> [AND ...]`; anything that does not fit yields no items,
// since the host's parser reports the real error when the filter is applied. Pure, shared by page and tests.

import { BARE_KEY, FILTER_ATTRIBUTES, FilterError, Scanner, WORD, filterEntityOf, filterOperators } from './filter';
import type { FilterEntity, FilterOp } from './filter';
import { quoteKey } from './runSort';
import type { ColumnCatalog } from './runsTable';
import { RUN_STATUSES } from './types';

/** What a suggestion completes. */
export type CompletionKind = 'entity' | 'key' | 'operator' | 'value' | 'keyword';

/** One suggestion: what the list shows and the text that replaces the completion's range. */
export interface CompletionItem {
  label: string;
  insert: string;
  kind: CompletionKind;
  detail: string;
}

/** Suggestions for the text from `from` to `to` (0-based offsets, end exclusive). */
export interface FilterCompletion {
  from: number;
  to: number;
  items: CompletionItem[];
}

/** Most items one completion lists (a catalog may hold thousands of keys). */
export const MAX_COMPLETION_ITEMS = 200;

const SYMBOL_OP = /!=|<=|>=|=|<|>/y;
const SCALAR = /[^\s(),]+/y;
const TOKEN_REST = /[^\s=!<>(),'"`]*/y;

/** Where the cursor is in the clause shape, with the text typed so far of the token it is in. */
type Context =
  | { at: 'identifier' | 'and'; from: number; prefix: string }
  | { at: 'key'; entity: FilterEntity; from: number; prefix: string; quote: string }
  | { at: 'operator'; entity: FilterEntity; key: string; from: number; prefix: string }
  | { at: 'value'; entity: FilterEntity; key: string; from: number; prefix: string; quote: string };

interface Column {
  entity: FilterEntity;
  key: string;
}

const ENTITY_ITEMS: readonly CompletionItem[] = [
  { label: 'metrics.', insert: 'metrics.', kind: 'entity', detail: 'a metric’s last value' },
  { label: 'params.', insert: 'params.', kind: 'entity', detail: 'a param' },
  { label: 'tags.', insert: 'tags.', kind: 'entity', detail: 'a tag' },
  { label: 'attributes.', insert: 'attributes.', kind: 'entity', detail: 'a run attribute' },
];

// The text before the cursor is read with core/filter's own Scanner; unlike the parser, running out of text (the
// cursor) is the place to complete rather than an error, and whitespace before it matters.

/** Skips whitespace; true when there was some. */
function skipSpace(scanner: Scanner): boolean {
  const start = scanner.pos;
  scanner.skipSpace();
  return scanner.pos > start;
}

/** True at the cursor, without skipping whitespace. */
function atCursor(scanner: Scanner): boolean {
  return scanner.pos >= scanner.text.length;
}

/** A quoted text; undefined when it is still open at the cursor. */
function quoted(scanner: Scanner): string | undefined {
  try {
    return scanner.quoted('text');
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    scanner.pos = scanner.text.length;
    return undefined;
  }
}

function isQuote(char: string): boolean {
  return char === '`' || char === '"';
}

function attributeColumn(name: string): Column {
  return { entity: 'attribute', key: name.toLowerCase() };
}

/** `<entity>.<key>` or a bare attribute; a context when the cursor is inside it. */
function readIdentifier(scanner: Scanner): Column | Context | undefined {
  const start = scanner.pos;
  if (atCursor(scanner)) return { at: 'identifier', from: start, prefix: '' };
  if (isQuote(scanner.peek())) {
    const name = quoted(scanner);
    return name === undefined ? undefined : attributeColumn(name);
  }
  const word = scanner.match(WORD);
  if (word === undefined) return undefined;
  if (atCursor(scanner)) return { at: 'identifier', from: start, prefix: word };
  if (scanner.peek() !== '.') return attributeColumn(word);
  const entity = filterEntityOf(word);
  if (entity === undefined) return undefined;
  scanner.pos++;
  return readKey(scanner, entity);
}

function readKey(scanner: Scanner, entity: FilterEntity): Column | Context | undefined {
  const from = scanner.pos;
  if (atCursor(scanner)) return { at: 'key', entity, from, prefix: '', quote: '' };
  if (isQuote(scanner.peek())) {
    const quote = scanner.peek();
    const key = quoted(scanner);
    if (key === undefined) return { at: 'key', entity, from, prefix: scanner.text.slice(from + 1), quote };
    return entity === 'attribute' ? attributeColumn(key) : { entity, key };
  }
  const key = scanner.match(BARE_KEY);
  if (key === undefined) return undefined;
  if (atCursor(scanner)) return { at: 'key', entity, from, prefix: key, quote: '' };
  return entity === 'attribute' ? attributeColumn(key) : { entity, key };
}

/** An operator after a column; a context when the cursor is in (or right before) it. */
function readOperator(scanner: Scanner, column: Column): FilterOp | Context | undefined {
  const spaced = skipSpace(scanner);
  const from = scanner.pos;
  if (atCursor(scanner)) return spaced ? { at: 'operator', ...column, from, prefix: '' } : undefined;
  const symbol = scanner.match(SYMBOL_OP);
  if (symbol !== undefined) return symbol as FilterOp;
  const word = scanner.match(WORD)?.toUpperCase();
  if (word === undefined) return undefined;
  if (atCursor(scanner)) return { at: 'operator', ...column, from, prefix: scanner.text.slice(from) };
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return word;
  if (word !== 'NOT') return undefined;
  skipSpace(scanner);
  const next = scanner.match(WORD)?.toUpperCase();
  if (atCursor(scanner)) return { at: 'operator', ...column, from, prefix: scanner.text.slice(from) };
  return next === 'IN' ? 'NOT IN' : undefined;
}

/** One value; a context when the cursor is inside it, true once read. */
function readScalar(scanner: Scanner, column: Column): Context | true | undefined {
  const from = scanner.pos;
  if (atCursor(scanner)) return { at: 'value', ...column, from, prefix: '', quote: '' };
  const quote = scanner.peek();
  if (quote === "'" || quote === '"') {
    if (quoted(scanner) !== undefined) return true;
    return { at: 'value', ...column, from, prefix: scanner.text.slice(from + 1), quote };
  }
  const text = scanner.match(SCALAR);
  if (text === undefined) return undefined;
  return atCursor(scanner) ? { at: 'value', ...column, from, prefix: text, quote: '' } : true;
}

/** The value of a clause: a scalar, or a parenthesized list after IN / NOT IN. */
function readValue(scanner: Scanner, column: Column, op: FilterOp): Context | true | undefined {
  skipSpace(scanner);
  if (op !== 'IN' && op !== 'NOT IN') return readScalar(scanner, column);
  if (atCursor(scanner) || scanner.peek() !== '(') return undefined;
  scanner.pos++;
  for (;;) {
    skipSpace(scanner);
    const scalar = readScalar(scanner, column);
    if (scalar !== true) return scalar;
    skipSpace(scanner);
    const char = scanner.peek();
    scanner.pos++;
    if (char === ')') return true;
    if (char !== ',') return undefined;
  }
}

function isContext(value: unknown): value is Context {
  return typeof value === 'object' && value !== null && 'at' in value;
}

/** Replays clauses up to the cursor and says where in a clause it stopped. */
function locate(before: string): Context | undefined {
  let scanner: Scanner;
  try {
    scanner = new Scanner(before);
  } catch (error) {
    // Text the parser refuses outright (too long, a NUL) has nothing to complete.
    if (error instanceof FilterError) return undefined;
    throw error;
  }
  for (;;) {
    skipSpace(scanner);
    const column = readIdentifier(scanner);
    if (column === undefined || isContext(column)) return column;
    const op = readOperator(scanner, column);
    if (op === undefined || isContext(op)) return op;
    const value = readValue(scanner, column, op);
    if (value !== true) return value;
    const spaced = skipSpace(scanner);
    const from = scanner.pos;
    if (atCursor(scanner)) return spaced ? { at: 'and', from, prefix: '' } : undefined;
    const word = scanner.match(WORD);
    if (word === undefined) return undefined;
    if (atCursor(scanner)) return { at: 'and', from, prefix: word };
    if (word.toUpperCase() !== 'AND') return undefined;
  }
}

function keysOf(entity: FilterEntity, catalog: ColumnCatalog): readonly string[] {
  switch (entity) {
    case 'metric':
      return catalog.metrics;
    case 'param':
      return catalog.params;
    case 'tag':
      return catalog.tags;
    case 'attribute':
      return FILTER_ATTRIBUTES;
  }
}

function keyItem(entity: FilterEntity, key: string): CompletionItem {
  return { label: key, insert: `${quoteKey(key)} `, kind: 'key', detail: entity };
}

const OPERATOR_DETAILS: Readonly<Record<FilterOp, string>> = {
  '=': 'equals',
  '!=': 'differs from',
  '<': 'less than',
  '<=': 'at most',
  '>': 'greater than',
  '>=': 'at least',
  LIKE: 'pattern: % any text, _ one character',
  ILIKE: 'LIKE, ignoring case',
  IN: 'one of a list',
  'NOT IN': 'none of a list',
};

function operatorItem(op: FilterOp): CompletionItem {
  const list = op === 'IN' || op === 'NOT IN';
  return { label: op, insert: list ? `${op} (` : `${op} `, kind: 'operator', detail: OPERATOR_DETAILS[op] };
}

function valueItems(context: Extract<Context, { at: 'value' }>): CompletionItem[] {
  if (context.entity !== 'attribute') return [];
  if (context.key === 'status') return RUN_STATUSES.map((status) => ({ label: status, insert: `'${status}'`, kind: 'value', detail: 'status' }));
  if (context.key === 'starred') return ['true', 'false'].map((value) => ({ label: value, insert: value, kind: 'value', detail: 'starred' }));
  return [];
}

/** Every candidate for a context, before matching the typed prefix. */
function candidates(context: Context, catalog: ColumnCatalog): CompletionItem[] {
  switch (context.at) {
    case 'identifier': {
      // A typed attribute name (`stat`) is offered in its canonical spelling too.
      const attributes = context.prefix
        ? FILTER_ATTRIBUTES.map((name) => ({ ...keyItem('attribute', name), label: name, insert: `attributes.${name} ` }))
        : [];
      return [...ENTITY_ITEMS, ...attributes];
    }
    case 'key':
      return keysOf(context.entity, catalog).map((key) => keyItem(context.entity, key));
    case 'operator':
      return (filterOperators(context.entity, context.key) ?? []).map(operatorItem);
    case 'value':
      return valueItems(context);
    case 'and':
      return [{ label: 'AND', insert: 'AND ', kind: 'keyword', detail: 'another clause' }];
  }
}

/** Where the replaced range ends: the rest of the token under the cursor, and the closing quote of a quoted one. */
function rangeEnd(text: string, cursor: number, quote: string): number {
  TOKEN_REST.lastIndex = cursor;
  let end = cursor + (TOKEN_REST.exec(text)?.[0].length ?? 0);
  if (quote && text[end] === quote) end++;
  return end;
}

/** Suggestions at `cursor` in `text` (an offset from 0 to text.length), from the keys in `catalog`. */
export function completeFilter(text: string, cursor: number, catalog: ColumnCatalog): FilterCompletion {
  const at = Math.max(0, Math.min(cursor, text.length));
  const context = locate(text.slice(0, at));
  if (context === undefined) return { from: at, to: at, items: [] };
  const prefix = context.prefix.toLowerCase();
  const items = candidates(context, catalog)
    .filter((item) => item.label.toLowerCase().startsWith(prefix))
    .slice(0, MAX_COMPLETION_ITEMS);
  const quote = 'quote' in context ? context.quote : '';
  return { from: context.from, to: rangeEnd(text, at, quote), items };
}

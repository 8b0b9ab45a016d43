// Experiment, registry and logged-model searches: MLflow's filter grammar from core/filter (the same parser and
// in-memory evaluator as run filters, so every operator means the same everywhere) over records in memory, since
// those lists are short, plus their multi-term order-by. Run search compiles the same clauses to SQL in the store.
import { FilterError, LIST_OPS, NUMBER_OPS, STRING_OPS, matchesClauses, parseFilter } from '../core/filter';
import type { FilterActual, FilterAttribute, FilterClause, FilterEntity, FilterSchema, FilterValueKind, KeyedEntity } from '../core/filter';
import { invalid } from './fields';
import type { Fields } from './fields';
import { pageOf } from './paging';
import type { Page } from './paging';

/** One order-by term. */
export interface OrderTerm {
  field: string;
  descending: boolean;
}

/** Looks a field up on a record; undefined when the record has no such field (a missing tag). */
export type FieldLookup<T> = (item: T, field: string) => string | number | undefined;

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

/** How one kind of record is searched: its attributes with their kinds, their values, and its keyed maps (tags.x, params.x, metrics.x). */
export interface Searchable<T> {
  attributes: Readonly<Record<string, Exclude<FilterValueKind, 'boolean'>>>;
  valuesOf: (item: T) => Record<string, string | number>;
  keyed: Partial<Record<KeyedMap, (item: T) => Record<string, string | number>>>;
}

type KeyedMap = 'tags' | 'params' | 'metrics';

const ATTRIBUTE_OPS: Readonly<Record<Exclude<FilterValueKind, 'boolean'>, FilterAttribute>> = {
  string: { kind: 'string', ops: [...STRING_OPS, ...LIST_OPS] },
  number: { kind: 'number', ops: [...NUMBER_OPS, ...LIST_OPS] },
};

// The keyed map of each keyed entity a filter names (`tags.x` is the tag entity).
const KEYED_MAPS: Readonly<Record<KeyedEntity, KeyedMap>> = { tag: 'tags', param: 'params', metric: 'metrics' };

/** The filter schema of this kind of record. */
export function filterSchemaOf<T>(spec: Searchable<T>): FilterSchema {
  return {
    attributes: Object.fromEntries(Object.entries(spec.attributes).map(([name, kind]) => [name, ATTRIBUTE_OPS[kind]])),
    aliases: {},
    keyed: (['metric', 'param', 'tag'] as const).filter((entity) => spec.keyed[KEYED_MAPS[entity]] !== undefined),
  };
}

/** The value a clause looks at on a record of this kind; null when the record lacks it. */
function filterValueOf<T>(spec: Searchable<T>): (item: T, entity: FilterEntity, key: string) => FilterActual {
  return (item, entity, key) => {
    const values = entity === 'attribute' ? spec.valuesOf(item) : (spec.keyed[KEYED_MAPS[entity]]?.(item) ?? {});
    return Object.hasOwn(values, key) ? values[key] : null;
  };
}

/** Parses a search's filter for this kind of record; a filter that does not parse is MLflow's 400. */
function clausesOf<T>(spec: Searchable<T>, text: string | undefined): FilterClause[] {
  try {
    return parseFilter(text ?? '', filterSchemaOf(spec));
  } catch (error) {
    if (error instanceof FilterError) throw invalid(`Invalid search filter: ${error.message}`);
    throw error;
  }
}

const ATTRIBUTE_PREFIX = /^attributes?\./;

/** Whether a filter or order-by field names something of this kind of record (`attributes.name` is `name`). */
export function isFieldOf<T>(spec: Searchable<T>): (field: string) => boolean {
  const known = fieldSet(Object.keys(spec.attributes), Object.keys(spec.keyed));
  return (field) => known(field.replace(ATTRIBUTE_PREFIX, ''));
}

/** The lookup of a field on a record of this kind. */
export function lookupOf<T>(spec: Searchable<T>): FieldLookup<T> {
  return (item, field) => {
    const bare = field.replace(ATTRIBUTE_PREFIX, '');
    const dot = bare.indexOf('.');
    const keyed = dot > 0 ? spec.keyed[bare.slice(0, dot) as keyof Searchable<T>['keyed']] : undefined;
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
  const clauses = clausesOf(spec, fields.optString('filter'));
  const valueOf = filterValueOf(spec);
  const found = items.filter((item) => matchesClauses(clauses, item, valueOf));
  return pageOf(sortBy(found, order, lookupOf(spec)), fields.maxResults(limits.fallback, limits.cap), fields.optString('page_token'));
}

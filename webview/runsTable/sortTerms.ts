// What a header click does to the sort: a plain click sorts by that column alone (ascending, then descending,
// then unsorted); Shift+click cycles that column's term in place, adding it as the next term when absent.

import { MAX_SORT_TERMS } from '../../src/protocol/runsTable';
import type { SortTerm } from '../../src/core/runsTable';

/** The sort after clicking `columnId`'s header; `additive` for Shift+click. */
export function nextSort(sort: readonly SortTerm[], columnId: string, additive: boolean): SortTerm[] {
  const index = sort.findIndex((term) => term.columnId === columnId);
  const term = index >= 0 ? sort[index] : undefined;
  const next: SortTerm | undefined = term === undefined ? { columnId, descending: false } : term.descending ? undefined : { columnId, descending: true };
  if (!additive) return next ? [next] : [];
  if (term === undefined) return sort.length < MAX_SORT_TERMS ? [...sort, { columnId, descending: false }] : [...sort];
  return next ? sort.map((t, i) => (i === index ? next : t)) : sort.filter((_, i) => i !== index);
}

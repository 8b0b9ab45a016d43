// What a header click does to the sort: a plain click sorts by that column alone (first direction, then the other,
// then unsorted); Shift+click cycles that column's term in place, adding it as the next term when absent. The first
// direction is ascending, or descending for a metric whose best values are the highest (best first).

import { MAX_SORT_TERMS } from '../../src/protocol/runsTable';
import type { SortTerm } from '../../src/core/runsTable';

/** The sort after clicking `columnId`'s header; `additive` for Shift+click; `firstDescending` when a new term starts descending. */
export function nextSort(sort: readonly SortTerm[], columnId: string, additive: boolean, firstDescending = false): SortTerm[] {
  const index = sort.findIndex((term) => term.columnId === columnId);
  const term = index >= 0 ? sort[index] : undefined;
  const first: SortTerm = { columnId, descending: firstDescending };
  const next: SortTerm | undefined =
    term === undefined ? first : term.descending === firstDescending ? { columnId, descending: !firstDescending } : undefined;
  if (!additive) return next ? [next] : [];
  if (term === undefined) return sort.length < MAX_SORT_TERMS ? [...sort, first] : [...sort];
  return next ? sort.map((t, i) => (i === index ? next : t)) : sort.filter((_, i) => i !== index);
}

// Rows the page has, by run id, with the generation (query) they answer. A row from an older generation is still
// drawn while its fresh copy is on its way, so a live refresh never blanks the table; rows of other columns are not.

import { MAX_ROWS_PER_REQUEST } from '../../src/protocol/runsTable';
import type { RunsTableRow } from '../../src/protocol/runsTable';

interface Cached {
  row: RunsTableRow;
  generation: number;
}

/** Rows by run id, and which ids of the current generation are already asked for. */
export class RowCache {
  private readonly rows = new Map<string, Cached>();
  private readonly pending = new Set<string>();
  private generation = -1;
  private columnsKey = '';

  /** Starts a generation; rows of other columns are dropped, rows of the same columns go stale. */
  reset(generation: number, columnIds: readonly string[], rows: readonly RunsTableRow[]): void {
    const key = JSON.stringify(columnIds);
    if (key !== this.columnsKey) this.rows.clear();
    this.columnsKey = key;
    this.generation = generation;
    this.pending.clear();
    this.add(generation, rows);
  }

  /** Keeps rows of an answer (an older generation's rows are kept as stale). */
  add(generation: number, rows: readonly RunsTableRow[]): void {
    for (const row of rows) {
      const known = this.rows.get(row.id);
      if (known && known.generation > generation) continue;
      this.rows.set(row.id, { row, generation });
      if (generation === this.generation) this.pending.delete(row.id);
    }
  }

  /** The row to draw for a run (perhaps stale), or undefined for a placeholder. */
  get(id: string): RunsTableRow | undefined {
    return this.rows.get(id)?.row;
  }

  /** True when the row answers the current generation. */
  fresh(id: string): boolean {
    return this.rows.get(id)?.generation === this.generation;
  }

  /**
   * The ids among `wanted` (most needed first) to ask for now: not fresh and not already asked for, at most one
   * request's worth. They count as asked for from here on (ids the store no longer has never come back).
   */
  takeMissing(wanted: readonly string[]): string[] {
    const missing: string[] = [];
    for (const id of wanted) {
      if (missing.length >= MAX_ROWS_PER_REQUEST) break;
      if (this.fresh(id) || this.pending.has(id)) continue;
      missing.push(id);
      this.pending.add(id);
    }
    return missing;
  }

  /** The generation rows are asked for. */
  current(): number {
    return this.generation;
  }
}

// The current window of live inputs: the last N rows scored, by feature name, for the drift gauge and for
// GET /labbook/window.csv (the editor opens the drift panel on it).
import type { ColumnSample, DatasetSample } from '../../core/drift';
import { toCsv } from '../../core/csv';
import type { Cell, InputTable } from './payload';

/** The last `capacity` input rows, each as the values of `features` (named once, from the model or the first request). */
export class InputWindow {
  private rows: Cell[][] = [];
  private next = 0;
  /** Rows added since the window was created (the drift gauge recomputes only when this moved). */
  added = 0;

  constructor(
    private readonly capacity: number,
    private features: string[] | null,
  ) {}

  /** Feature names of the window's columns (null until the first row when the model names none). */
  get columns(): string[] | null {
    return this.features;
  }

  /** Adds a request's rows: named columns are matched by name, positional ones by the model's order. */
  add(table: InputTable): void {
    this.features ??= table.columns ?? table.rows[0].map((_, i) => `feature_${i}`);
    const features = this.features;
    const index = table.columns ? features.map((name) => table.columns!.indexOf(name)) : features.map((_, i) => i);
    for (const row of table.rows) this.push(index.map((i) => (i >= 0 && i < row.length ? row[i] : null)));
  }

  private push(row: Cell[]): void {
    this.added++;
    if (this.rows.length < this.capacity) this.rows.push(row);
    else this.rows[this.next] = row;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Rows oldest first. */
  ordered(): Cell[][] {
    return this.rows.length < this.capacity ? [...this.rows] : [...this.rows.slice(this.next), ...this.rows.slice(0, this.next)];
  }

  get size(): number {
    return this.rows.length;
  }

  /** The window as CSV, header = feature names (empty cells for missing values). */
  csv(): string {
    const rows = this.ordered().map((row) => row.map((value) => (value === null ? '' : String(value))));
    return toCsv(this.features ?? [], rows);
  }

  /** The window as a drift sample (core/drift's reader format). */
  sample(name: string): DatasetSample {
    const rows = this.ordered();
    const columns = new Map<string, ColumnSample>((this.features ?? []).map((feature, c) => [feature, columnSample(rows.map((row) => row[c]))]));
    return { name, rows: rows.length, columns };
  }
}

/** One column's values as core/drift reads them: finite numbers, or counts per text when any value is not a number. */
export function columnSample(values: Cell[]): ColumnSample {
  const present = values.filter((v): v is Exclude<Cell, null> => v !== null);
  const missing = values.length - present.length;
  if (present.every((v) => typeof v === 'number')) {
    const numbers = Float64Array.from(present as number[]);
    return { numbers, missing, integerDtype: missing === 0 && numbers.every(Number.isInteger) };
  }
  const counts = new Map<string, number>();
  for (const value of present) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  return { counts, missing, integerDtype: false };
}

// Lightning's CSVLogger (version_N/metrics.csv with a step column, hparams.yaml beside it) and Keras's CSVLogger (one
// row per epoch). Neither writes times, so every point gets the file's modification time.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Papa from 'papaparse';
import type { MetricPoint } from '../../core/types';
import { paramsFromFile } from '../argvParams';
import type { ImportProblem, LogSource } from './types';

/** The CSV logger a header belongs to: Lightning has a `step` column, Keras starts with `epoch`. */
export function csvLoggerKind(header: readonly string[]): 'lightning-csv' | 'keras-csv' | undefined {
  if (header.includes('step')) return 'lightning-csv';
  return header[0] === 'epoch' ? 'keras-csv' : undefined;
}

/** The first line of a CSV file, split on commas: enough to tell a logger's file from other CSVs without reading it. */
export function firstCsvLine(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const length = readSync(fd, head, 0, head.length, 0);
    return head
      .subarray(0, length)
      .toString('utf8')
      .split(/\r?\n/)[0]
      .split(',')
      .map((cell) => cell.trim());
  } finally {
    closeSync(fd);
  }
}

/** Reads a CSV logger file; undefined when its header is neither logger's. */
export function readCsvLogger(file: string): LogSource | undefined {
  return csvLoggerSource(file, readFileSync(file, 'utf8'));
}

/** A CSV logger file's run from its text (read by the caller, who may hold back a line still being written). */
export function csvLoggerSource(file: string, text: string): LogSource | undefined {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const header = parsed.meta.fields ?? [];
  const kind = csvLoggerKind(header);
  if (!kind) return undefined;
  const stepColumn = kind === 'lightning-csv' ? 'step' : 'epoch';
  const timestamp = Math.round(statSync(file).mtimeMs);
  const problems: ImportProblem[] = parsed.errors.map((error) => ({ file, message: `row ${(error.row ?? 0) + 2}: ${error.message}` }));
  const points = csvPoints(parsed.data, header, stepColumn, timestamp, (row, message) =>
    problems.push({ file, message: `row ${row + 2}: ${message}` }),
  );
  const dir = dirname(file);
  const params = kind === 'lightning-csv' ? paramsFromFile(join(dir, 'hparams.yaml')) : {};
  return { kind, dir, params, tags: { 'labbook.import.file': basename(file) }, points, problems };
}

/** Points of the rows: every non-empty cell of a column other than the step column is a value at that row's step. */
export function csvPoints(
  rows: readonly Record<string, string>[],
  header: readonly string[],
  stepColumn: string,
  timestamp: number,
  problem: (row: number, message: string) => void,
): MetricPoint[] {
  const metricColumns = header.filter((column) => column !== stepColumn && column !== '');
  const points: MetricPoint[] = [];
  rows.forEach((row, index) => {
    const step = Number(row[stepColumn]);
    if (!Number.isInteger(step)) return problem(index, `${stepColumn} '${row[stepColumn]}' is not a whole number; row skipped`);
    for (const key of metricColumns) {
      const cell = row[key]?.trim();
      if (!cell) continue;
      const value = pythonNumber(cell);
      if (value === undefined) problem(index, `${key} '${cell.slice(0, 40)}' is not a number`);
      else points.push({ key, value, step, timestamp });
    }
  });
  return points;
}

/** A number as Python writes it (non-finite ones as nan, inf and -inf); undefined for anything else. */
export function pythonNumber(cell: string): number | undefined {
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };
  const named = special[cell.toLowerCase()];
  if (named !== undefined) return named;
  const value = Number(cell);
  return cell.trim() === '' || Number.isNaN(value) ? undefined : value;
}

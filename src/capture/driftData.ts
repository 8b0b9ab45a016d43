// Reads a CSV or Parquet file into per-column samples for drift (src/core/drift.ts), streaming: rows are never
// kept, only each column's finite numbers (8 bytes a value) or category counts. CSV cells follow pandas.read_csv:
// its NA markers are missing values, a column is numeric when every present cell is a number.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Papa from 'papaparse';
import type { ColumnSample, DatasetSample } from '../core/drift';
import { sortNumbers } from '../core/driftStats';

/** A data file that cannot be read: the message names the file and what is wrong. */
export class DataFileError extends Error {}

/** Which columns to keep (all when undefined). */
export interface ReadOptions {
  columns?: ReadonlySet<string>;
  /** The file's format when its name does not tell (a blob in the store has no extension). */
  format?: 'csv' | 'tsv' | 'parquet';
}

/** pandas.read_csv's default NA markers. */
const NA_MARKERS = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);
const INFINITE = /^[-+]?inf(?:inity)?$/i;
/** Past this many distinct texts a column is taken for an identifier and no longer counted (memory stays bounded). */
export const MAX_CATEGORIES = 100_000;

/** Reads `path` by its extension: .csv, .tsv, .parquet or .pq. */
export async function readDataset(path: string, options: ReadOptions = {}): Promise<DatasetSample> {
  try {
    if (!statSync(path).isFile()) throw new DataFileError(`${path} is not a file`);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const ext = options.format ? `.${options.format}` : extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return readCsv(path, ext === '.tsv' ? '\t' : ',', options);
  if (ext === '.parquet' || ext === '.pq') return readParquet(path, options);
  throw new DataFileError(`${path}: unknown data format '${ext || basename(path)}' (Labbook reads .csv, .tsv and .parquet)`);
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

/** Powers of ten that doubles hold exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Decimal digits a double holds exactly (below 2^53). */
const EXACT_DIGITS = 15;

/**
 * The value of a plain decimal number ('12', '-0.5', '.5', '1e-3'), else undefined. Number() alone would also take
 * ' 12', '0x1F' and '0b11', which pandas reads as text: the first and last characters rule those out cheaply.
 */
export function decimalNumber(text: string): number | undefined {
  const fast = shortDecimal(text);
  if (fast !== undefined) return fast;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (!(isDigit(first) || first === MINUS || first === PLUS || first === DOT) || !(isDigit(last) || last === DOT)) return undefined;
  const second = text.charCodeAt(1) | 32;
  if (first === 48 && (second === 120 || second === 98 || second === 111)) return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * '-12.345' and the like with at most 15 digits, read digit by digit: the digits as a whole number and the power of
 * ten are both exact doubles, so one division rounds correctly and gives Number()'s value (Clinger's fast path).
 * Anything else (exponents, more digits, other characters) is undefined, left to Number().
 */
function shortDecimal(text: string): number | undefined {
  const first = text.charCodeAt(0);
  const signed = first === MINUS || first === PLUS;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (let i = signed ? 1 : 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (code === DOT && decimals < 0) decimals = 0;
    else return undefined;
  }
  if (digits === 0 || digits > EXACT_DIGITS) return undefined;
  const value = decimals > 0 ? mantissa / EXACT_POWERS_OF_TEN[decimals] : mantissa;
  return first === MINUS ? -value : value;
}

/** Reads `path` and sorts its numeric columns (what src/core/drift needs), each into an array of its own. */
export async function readSortedDataset(path: string, options: ReadOptions = {}): Promise<DatasetSample> {
  const dataset = await readDataset(path, options);
  for (const column of dataset.columns.values()) {
    if (column.numbers) {
      column.numbers = sortNumbers(column.numbers);
      column.sorted = true;
    }
  }
  return dataset;
}

/**
 * Reads several files at once, each in a worker thread running `workerScript` (dist/driftWorker.js), or one after
 * the other in this thread when there is no such script (running from source) or a worker cannot start.
 */
export async function readSortedDatasets(paths: string[], options: ReadOptions, workerScript?: string): Promise<DatasetSample[]> {
  if (!workerScript || !existsSync(workerScript)) return Promise.all(paths.map((path) => readSortedDataset(path, options)));
  return Promise.all(paths.map((path) => readInWorker(workerScript, path, options)));
}

function readInWorker(script: string, path: string, options: ReadOptions): Promise<DatasetSample> {
  return new Promise((resolve, reject) => {
    const columns = options.columns ? [...options.columns] : undefined;
    // No execArgv: the parent's flags (inspector, loaders) are not for this plain bundled script.
    const worker = new Worker(script, { workerData: { path, columns }, execArgv: [] });
    let answered = false;
    worker.once('message', (message: { dataset?: DatasetSample; error?: string; badFile?: boolean }) => {
      answered = true;
      void worker.terminate();
      if (message.dataset) resolve(message.dataset);
      else reject(message.badFile ? new DataFileError(message.error) : new Error(message.error));
    });
    // A worker that cannot start, or ends without an answer, leaves the file to this thread.
    worker.once('exit', () => {
      if (!answered) resolve(readSortedDataset(path, options));
    });
    worker.once('error', () => undefined);
  });
}

/** One column's values as they stream past. */
class ColumnBuilder {
  private numbers = new Float64Array(1024);
  private length = 0;
  private counts: Map<string, number> | undefined;
  private missing = 0;
  private integer = true;
  private unusable: string | undefined;

  /** A CSV cell: number, NA marker or text. */
  addText(text: string): void {
    if (this.unusable) return;
    if (this.counts === undefined) {
      const value = decimalNumber(text);
      if (value !== undefined) {
        if (this.integer && (text.includes('.') || text.includes('e') || text.includes('E'))) this.integer = false;
        return this.addNumber(value);
      }
    }
    if (NA_MARKERS.has(text) || INFINITE.test(text)) {
      this.missing++;
      return;
    }
    this.becomeCategorical();
    this.addCategory(text);
  }

  /** A typed value from Parquet. */
  addValue(value: unknown): void {
    if (this.unusable) return;
    if (value === null || value === undefined) this.missing++;
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) this.addNumber(value);
      else this.missing++;
    } else if (typeof value === 'bigint') this.addNumber(Number(value));
    else if (typeof value === 'string' || typeof value === 'boolean') {
      this.becomeCategorical();
      this.addCategory(String(value));
    } else if (value instanceof Date) this.unusable = 'a date or time column (not compared)';
    else this.unusable = 'nested values (not compared)';
  }

  markNotInteger(): void {
    this.integer = false;
  }

  private addNumber(value: number): void {
    if (this.counts) return this.addCategory(String(value));
    if (!Number.isFinite(value)) {
      this.missing++;
      return;
    }
    if (this.length === this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.length++] = value;
  }

  private becomeCategorical(): void {
    if (this.counts) return;
    this.counts = new Map();
    for (let i = 0; i < this.length; i++) this.addCategory(String(this.numbers[i]));
    this.numbers = new Float64Array(0);
    this.length = 0;
  }

  private addCategory(key: string): void {
    const counts = this.counts!;
    const count = counts.get(key);
    if (count !== undefined) {
      counts.set(key, count + 1);
      return;
    }
    if (counts.size >= MAX_CATEGORIES) {
      this.unusable = `more than ${MAX_CATEGORIES.toLocaleString('en-US')} distinct values (an identifier?): not compared`;
      this.counts = new Map();
      return;
    }
    counts.set(key, 1);
  }

  finish(): ColumnSample {
    const base = { missing: this.missing, integerDtype: this.integer && this.missing === 0 && this.counts === undefined };
    if (this.unusable) return { ...base, unusable: this.unusable };
    if (this.counts) return { ...base, counts: this.counts };
    return { ...base, numbers: this.numbers.subarray(0, this.length) };
  }
}

function dataset(path: string, rows: number, names: string[], builders: (ColumnBuilder | undefined)[]): DatasetSample {
  const columns = new Map<string, ColumnSample>();
  names.forEach((name, i) => {
    const builder = builders[i];
    if (builder) columns.set(name, builder.finish());
  });
  return { name: basename(path), rows, columns };
}

/** Streams a CSV through papaparse; the first row is the header. */
function readCsv(path: string, delimiter: string, options: ReadOptions): Promise<DatasetSample> {
  return new Promise((resolve, reject) => {
    let names: string[] | undefined;
    let builders: (ColumnBuilder | undefined)[] = [];
    let rows = 0;
    let failure: Error | undefined;
    const header = (row: string[]): void => {
      names = row.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name));
      const duplicate = names.find((name, i) => names!.indexOf(name) !== i);
      if (duplicate !== undefined) throw new DataFileError(`${path}: column '${duplicate}' appears twice in the header`);
      builders = names.map((name) => (options.columns && !options.columns.has(name) ? undefined : new ColumnBuilder()));
    };
    const row = (cells: string[]): void => {
      if (cells.length > builders.length) {
        throw new DataFileError(`${path}: data row ${rows + 1} has ${cells.length} fields, the header has ${builders.length}`);
      }
      rows++;
      for (let i = 0; i < builders.length; i++) builders[i]?.addText(i < cells.length ? cells[i] : '');
    };
    const stream = createReadStream(path, { encoding: 'utf8' });
    Papa.parse<string[]>(stream, {
      delimiter,
      skipEmptyLines: true,
      chunk: (results, parser) => {
        try {
          for (const cells of results.data) {
            if (names === undefined) header(cells);
            else row(cells);
          }
        } catch (error) {
          failure = error as Error;
          parser.abort();
        }
      },
      complete: () => {
        stream.destroy();
        if (failure) return reject(failure);
        if (names === undefined) return reject(new DataFileError(`${path} is empty: no header row`));
        resolve(dataset(path, rows, names, builders));
      },
      error: (error: Error) => reject(new DataFileError(`${path}: ${error.message}`)),
    });
  });
}

/** Reads a Parquet file one row group at a time through hyparquet (all codecs through hyparquet-compressors). */
async function readParquet(path: string, options: ReadOptions): Promise<DatasetSample> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DataFileError(`${path} is not a readable Parquet file: ${(error as Error).message}`);
  }
  const fields = parquetSchema(metadata).children;
  const names = fields.map((field) => field.element.name);
  const builders = fields.map((field) => (options.columns && !options.columns.has(field.element.name) ? undefined : new ColumnBuilder()));
  fields.forEach((field, i) => {
    const type = field.element.type;
    if (type !== 'INT32' && type !== 'INT64') builders[i]?.markNotInteger();
  });
  const wanted = names.filter((_, i) => builders[i]);
  const index = new Map(names.map((name, i) => [name, i]));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({
      file,
      metadata,
      compressors,
      columns: wanted,
      rowStart,
      rowEnd,
      onChunk: ({ columnName, columnData }) => {
        const builder = builders[index.get(columnName)!];
        for (const value of columnData) builder?.addValue(value);
      },
    });
    rowStart = rowEnd;
  }
  return dataset(path, Number(metadata.num_rows), names, builders);
}
